"""Regulations and directives as structured documents, the parsers that read them, and their store."""
