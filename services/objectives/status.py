"""Where an indicator stands, and so where its objective stands (ISO 9001:2015 §6.2, §9.1).

An indicator has a baseline (where it started), a target, and an amber threshold between
the two; its direction says whether higher (`increase`) or lower (`decrease`) is better.
Its latest measurement falls in one of four zones:

    the target met, or the amber threshold reached       on_track
    better than the baseline, not yet at the threshold   at_risk
    no better than the baseline                          off_track
    no measurement yet                                   no_data

An objective takes the worst status of its indicators (off_track, then at_risk, then
no_data, then on_track); it is `achieved` when every one of its indicators meets its target,
and `no_data` when it has none. Plain functions, no I/O.
"""

INCREASE, DECREASE = "increase", "decrease"
DIRECTIONS = (INCREASE, DECREASE)

ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA, ACHIEVED = "on_track", "at_risk", "off_track", "no_data", "achieved"
INDICATOR_STATUSES = (ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA)
OBJECTIVE_STATUSES = (ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA, ACHIEVED)
SEVERITY = {OFF_TRACK: 3, AT_RISK: 2, NO_DATA: 1, ON_TRACK: 0}  # worst first when sorted descending

IMPROVING, WORSENING, STABLE = "improving", "worsening", "stable"
TREND_PERIODS = 3  # the trend compares the latest value with the oldest of the last three recorded


def better(value, than, direction) -> bool:
    return value > than if direction == INCREASE else value < than


def at_least_as_good(value, than, direction) -> bool:
    return value >= than if direction == INCREASE else value <= than


def target_met(value, target, direction) -> bool:
    return value is not None and at_least_as_good(value, target, direction)


def indicator_status(value, *, baseline, target, amber_threshold, direction) -> str:
    if value is None:
        return NO_DATA
    if at_least_as_good(value, amber_threshold, direction) or target_met(value, target, direction):
        return ON_TRACK
    if better(value, baseline, direction):
        return AT_RISK
    return OFF_TRACK


def objective_status(indicators) -> str:
    """`indicators`: (status, target_met) pairs of the objective's indicators."""
    indicators = list(indicators)
    if not indicators:
        return NO_DATA
    if all(met for _, met in indicators):
        return ACHIEVED
    return max((status for status, _ in indicators), key=SEVERITY.__getitem__)


def trend(values, direction, periods=TREND_PERIODS):
    """`values`: the latest measurements, oldest first. None until there are two."""
    recent = [value for value in values if value is not None][-periods:]
    if len(recent) < 2:
        return None
    first, last = recent[0], recent[-1]
    if last == first:
        return STABLE
    return IMPROVING if better(last, first, direction) else WORSENING


def thresholds_problem(baseline, target, amber_threshold, direction):
    """Why these thresholds cannot work together, or None: the target is better than the baseline,
    and the amber threshold better than the baseline and no better than the target (so a value
    that has not moved from the baseline is never on track)."""
    if not better(target, baseline, direction):
        word = "above" if direction == INCREASE else "below"
        return "target", f"With direction {direction}, the target must be {word} the baseline."
    if not (better(amber_threshold, baseline, direction) and at_least_as_good(target, amber_threshold, direction)):
        return "amber_threshold", (
            "The amber threshold must lie between the baseline (excluded) and the target (included)."
        )
    return None
