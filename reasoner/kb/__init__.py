"""Knowledge-base layer: load the ontology, shapes and guideline modules, cache them, and check them."""
