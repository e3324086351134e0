"""The pipeline: load -> time -> validate -> rules -> explain -> render; run.py drives the stages."""
