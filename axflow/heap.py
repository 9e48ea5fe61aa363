"""A long-running process's start-up heap, kept out of Python's full garbage collections."""

import gc

# Middle-generation (gen1) collections between two full ones (Python's default: 10). Once the start-up
# heap is frozen, the long-lived objects left to walk are few (some 60,000 in the API after its
# first pages), and Python's other condition for a full pass (as many objects promoted since the
# last one as a quarter of those) held every hundred requests or so: 10-24 ms each in the API.
# At 100 they come ten times more rarely; what they walk is the same.
FULL_COLLECTION_EVERY = 100


def freeze_startup_heap() -> int:
    """Collect the start-up's garbage, then move every object alive now (modules, classes, routes,
    schemas, the Temporal client: some 290,000 in the API) into the collector's permanent generation,
    and return how many there are. A full collection walks every long-lived object: in the API
    serving 100,000 startups each took 150-200 ms, every ten seconds or so, and the request in
    flight waited for it (the worst pages of the scale bench, matched to the collections' times).
    Frozen objects are no longer walked; they live as long as the process anyway. Only for a
    process that serves: a test process making many apps would keep each one's cycles for good."""
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)
    return gc.get_freeze_count()
