"""Integer won and exact splits."""


def split_exact(total: int, weights: list[int]) -> list[int]:
    """Split `total` won by integer weights so that the parts add up to `total` exactly.

    Largest remainder: each part gets the floor of its share, and the won left over go one by
    one to the parts with the largest remainders (ties to the earlier part).
    """
    if total < 0:
        raise ValueError("total must not be negative")
    if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
        raise ValueError("weights must be non-negative and not all zero")
    weight_sum = sum(weights)
    floors = [total * w // weight_sum for w in weights]
    remainders = [total * w % weight_sum for w in weights]
    left = total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        floors[i] += 1
    return floors
