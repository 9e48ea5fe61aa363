"""axflow: grant and PoC milestone workflows on Temporal."""
