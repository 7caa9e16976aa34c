"""Quiz mode: a question bank built from the knowledge base, practice rounds and group sessions."""
