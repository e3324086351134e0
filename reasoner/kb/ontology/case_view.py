"""The OWL view of a case: a copy of a normalised case graph that an OWL 2 DL reasoner accepts.

Why: Protégé users open a case beside the ontology; rules never read this view.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef

from ...vocab import OWL, RDF, XSD

__all__ = ['owl_view']


def owl_view(case: Graph) -> Graph:
    """A copy of a (normalised) case graph that OWL 2 DL reasoners accept.

    * ``xsd:date`` is outside the OWL 2 datatype map and HermiT refuses an
      ontology holding such a literal: each becomes the ``xsd:dateTime`` of
      that day's start, so Protégé users still see the dates.
    * OWL makes no unique-name assumption; a case graph does (two IRIs are
      two records). The view states it: the case's IRI subjects are declared
      named individuals and ``owl:AllDifferent``.

    Rules never read this view; they read the normalised case.
    """
    from rdflib.collection import Collection

    out = Graph()
    for prefix, ns in case.namespaces():
        out.bind(prefix, ns, override=False)
    for s, p, o in case:
        if isinstance(o, Literal) and o.datatype == XSD.date:
            o = Literal(f"{o}T00:00:00", datatype=XSD.dateTime)
        out.add((s, p, o))
    individuals = sorted(
        {s for s in case.subjects() if isinstance(s, URIRef) and (s, RDF.type, OWL.Class) not in case},
        key=str,
    )
    for ind in individuals:
        out.add((ind, RDF.type, OWL.NamedIndividual))
    if len(individuals) > 1:
        node = BNode()
        members = BNode()
        Collection(out, members, list(individuals))
        out.add((node, RDF.type, OWL.AllDifferent))
        out.add((node, OWL.distinctMembers, members))
    return out
