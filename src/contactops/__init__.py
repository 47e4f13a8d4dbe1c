"""contactops."""
