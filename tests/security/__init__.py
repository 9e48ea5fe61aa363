"""Hostile input found once stays found: each attack on axflow replayed as a regression test."""
