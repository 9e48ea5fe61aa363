"""Simulators of the outside systems axflow talks to, as real HTTP servers with fault injection."""
