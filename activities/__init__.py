"""Activities: everything that touches the world. One module per outside system."""
