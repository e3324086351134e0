"""Namespaces used by the Python side (rules and shapes state their own)."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS, XSD

__all__ = ["GLR", "GLR_ONTOLOGY_IRI", "PROV", "RDF", "RDFS", "OWL", "SKOS", "XSD", "SH"]

GLR = Namespace("https://w3id.org/glr/ontology#")
GLR_ONTOLOGY_IRI = "https://w3id.org/glr/ontology"
SH = Namespace("http://www.w3.org/ns/shacl#")
