"""What the alerts have learned of the roof, for `status` and the report: the faces found, which inverters are
still learning, and each inverter's daily share of its normal. Reads DATA_DIR; changes nothing."""

from __future__ import annotations

from pathlib import Path

from pvs6sup.alerts import normal_files, underperf
from pvs6sup.alerts.faces import describe, facing
from pvs6sup.alerts.normal import TUNING
from pvs6sup.alerts.state import AlertState, load
from pvs6sup.core.records import FrozenRecord
from pvs6sup.core.values import mask_serial

LEARNED_SHARE = 0.5  # an inverter with under half the learned bins of the best-known one is still learning


class RoofView(FrozenRecord):
    """The learned roof in words and figures."""

    faces: tuple[str, ...]  # "12 inverters peak at 12:05 solar time (south face)"
    learning: tuple[str, ...]  # serials not judged yet for underperformance
    face_of: dict[str, str]  # serial -> "south", "west"…
    shares: dict[str, tuple[tuple[str, float | None], ...]]  # serial -> (solar day, made / expected), oldest first

    def lines(self) -> list[str]:
        """The lines `status` prints."""
        if not self.faces and not self.face_of:
            return ["Roof         not learned yet: the alerts learn each inverter's normal over its first days"]
        lines = [f"Roof         {len(self.faces)} face(s) found: " + "; ".join(self.faces)]
        if self.learning:
            names = ", ".join(mask_serial(serial) for serial in self.learning)
            lines.append(
                f"Learning     {len(self.learning)} inverter(s) not judged for underperformance yet "
                f"(a few clear days of their own first): {names}"
            )
        return lines


def load_roof_view(
    data_dir: Path, latitude: float | None, longitude: float | None = 0.0, saved: AlertState | None = None
) -> RoofView:
    """The learned roof for `status` and the report; `saved`: the alert state when the caller has it already."""
    saved = saved or load(data_dir)
    state = saved.detector
    counts = underperf.learning(state, normal_files.FileBook(data_dir, saved.carried), TUNING)
    best = max(counts.values(), default=0)
    learning = tuple(sorted(s for s, n in counts.items() if best == 0 or n < LEARNED_SHARE * best))
    face_of = {
        serial: facing(face.peak_hour, latitude) if longitude is not None else "?"
        for face in state.faces
        for serial in face.members
    }
    days = normal_files.read_shares(data_dir)
    normal_files.merge_days(days, state)  # finished days not filed yet (this copy of the state is not saved)
    for serial, track in state.inverters.items():
        if track.today:
            days.setdefault(serial, []).append(list(track.today))
    shares = {serial: underperf.daily_shares(entries) for serial, entries in days.items()}
    return RoofView(tuple(describe(state.faces, latitude, longitude)), learning, face_of, shares)
