"""A simulated roof: faces with their own tilt and azimuth, fixed obstructions, and plane-of-array physics.

RoofSite is a SimulatedSite whose inverters make what their face's plane receives: a clear-sky beam (DNI)
and diffuse light (DHI) from the sun's elevation, thinned by clouds (beam strongly, diffuse mildly),
projected on each face (beam by the cosine of incidence, diffuse by the sky the face sees, a little ground
reflection), with a tree's or chimney's shadow on the beam of the inverters behind it. Stdlib only; the
documents are the base class's (same serials, STATE "error" at night).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pvs6sup.core.sun import sun_position_deg
from pvs6sup.sim.legacy_pvs import SimulatedSite, SiteModel

SOLAR_CONSTANT = 1361.0  # W/m²
ALBEDO = 0.2
EDGE_DEG = 2.0  # a shadow's edge is this soft, in the sun's degrees
TEMPERATURE_COEFF = 0.004  # output lost per °C of cell temperature above 25 °C...
CELL_RISE = 0.03  # ...the cell being this many °C per W/m² above a 20 °C day
PANEL_VMP = 57.3  # V: a 96-cell panel's MPPT voltage at 1000 W/m² and 25 °C
VOLTAGE_COEFF = 0.0029  # MPPT voltage lost per °C of cell temperature above 25 °C
VOLTAGE_SPREAD = 0.007  # healthy siblings' MPPT voltages differ by this share (a real 44-inverter roof)...
EFFICIENCY = 0.962  # ...and their AC/DC efficiencies around this by 1.9 %
EFFICIENCY_SPREAD = 0.019


@dataclass(frozen=True)
class Face:
    """One plane of the roof: tilt from horizontal, compass azimuth it faces (180 south), its inverters."""

    name: str
    tilt_deg: float
    azimuth_deg: float
    inverters: int


@dataclass(frozen=True)
class Obstruction:
    """A tree or chimney: takes `depth` of the beam from `inverters` while the sun is behind it."""

    inverters: frozenset[int]  # global inverter indexes
    azimuth_from_deg: float  # the sun's compass azimuth range [from, to]; from > to wraps through north
    azimuth_to_deg: float
    below_elevation_deg: float
    depth: float  # 0..1 of the beam lost

    def shade(self, elevation: float, azimuth: float) -> float:
        """The share of the beam lost (0..depth) with the sun here; the edges fade over EDGE_DEG."""
        span = (self.azimuth_to_deg - self.azimuth_from_deg) % 360
        into = (azimuth - self.azimuth_from_deg) % 360
        # Degrees inside the range (negative outside: how far before its start or after its end).
        inside_az = -min(360 - into, into - span) if into > span else min(into, span - into)
        inside = min(inside_az, self.below_elevation_deg - elevation)
        return self.depth * max(0.0, min(1.0, inside / EDGE_DEG + 0.5))


@dataclass
class RoofModel(SiteModel):
    """A SiteModel whose inverters sit on faces (indexes run face by face) behind obstructions.

    `inverter_count` is the faces' sum (a value passed in is replaced).
    """

    failed: frozenset[int] = frozenset()
    faces: tuple[Face, ...] = (Face("south", 20.0, 180.0, 12),)
    obstructions: tuple[Obstruction, ...] = ()
    spread_pct: float = 3.0  # each panel's fixed factor: uniform within ±spread_pct/2 around 1
    face_of: tuple[int, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        self.inverter_count = sum(face.inverters for face in self.faces)
        self.face_of = tuple(number for number, face in enumerate(self.faces) for _ in range(face.inverters))

    def face_serials(self) -> tuple[tuple[str, ...], ...]:
        """Each face's inverter serials, face by face."""
        serials: list[tuple[str, ...]] = []
        first = 0
        for face in self.faces:
            serials.append(tuple(self.inverter_serial(i) for i in range(first, first + face.inverters)))
            first += face.inverters
        return tuple(serials)


@dataclass(frozen=True)
class ClearSky:
    """The clear sky at one moment (W/m²) and the sun's position."""

    elevation: float
    azimuth: float
    dni: float  # direct normal
    dhi: float  # diffuse horizontal
    ghi: float  # global horizontal


def clear_sky(elevation: float, azimuth: float) -> ClearSky:
    """Haurwitz's global irradiance, Meinel's beam through Kasten-Young's air mass; diffuse is the rest."""
    if elevation <= 0:
        return ClearSky(elevation, azimuth, 0.0, 0.0, 0.0)
    zenith = 90 - elevation
    cos_z = math.cos(math.radians(zenith))
    air_mass = 1 / (cos_z + 0.50572 * (96.07995 - zenith) ** -1.6364)
    dni = SOLAR_CONSTANT * 0.7 ** (air_mass**0.678)
    ghi = 1098 * cos_z * math.exp(-0.057 / max(cos_z, 0.01))
    dhi = max(0.05 * ghi, ghi - dni * cos_z)
    return ClearSky(elevation, azimuth, dni, dhi, max(ghi, dhi + dni * cos_z))


def cos_incidence(tilt_deg: float, azimuth_deg: float, elevation: float, azimuth: float) -> float:
    """Cosine of the angle between the sun and a plane's normal (negative: the sun is behind it)."""
    tilt, zenith = math.radians(tilt_deg), math.radians(90 - elevation)
    return math.cos(zenith) * math.cos(tilt) + math.sin(zenith) * math.sin(tilt) * math.cos(
        math.radians(azimuth - azimuth_deg)
    )


def plane_irradiance(sky: ClearSky, face: Face, beam_share: float, diffuse_gain: float, shade: float) -> float:
    """Plane-of-array W/m²: beam·cos(incidence)·(1 - shade) + sky diffuse + ground reflection.

    `beam_share` is the share of the clear beam the clouds let through; `diffuse_gain` the share of the
    lost horizontal beam the clouds scatter back as diffuse light (negative: a thick cloud darkens the sky).
    """
    if sky.elevation <= 0:
        return 0.0
    horizontal_beam = sky.ghi - sky.dhi
    diffuse = max(0.0, sky.dhi + diffuse_gain * horizontal_beam)
    beam = sky.dni * beam_share
    ghi = beam * math.sin(math.radians(sky.elevation)) + diffuse
    cos_i = cos_incidence(face.tilt_deg, face.azimuth_deg, sky.elevation, sky.azimuth)
    tilt = math.radians(face.tilt_deg)
    return (
        beam * max(0.0, cos_i) * (1 - shade)
        + diffuse * (1 + math.cos(tilt)) / 2
        + ALBEDO * ghi * (1 - math.cos(tilt)) / 2
    )


class RoofSite(SimulatedSite):
    """SimulatedSite whose inverters make what their face receives under the sky and the obstructions."""

    model: RoofModel

    def __init__(self, model: RoofModel | None = None) -> None:
        super().__init__(model or RoofModel())
        half = self.model.spread_pct / 200
        rng = random.Random(self.model.seed * 7919 + 1)  # noqa: S311 (a repeatable simulation)
        self._panel_factor = [rng.uniform(1 - half, 1 + half) for _ in range(self.model.inverter_count)]
        electric = random.Random(self.model.seed * 7919 + 2)  # noqa: S311 (its own draws: the outputs stay as they were)
        count = self.model.inverter_count
        self._volt_factor = [1 + electric.uniform(-VOLTAGE_SPREAD, VOLTAGE_SPREAD) / 2 for _ in range(count)]
        spread = EFFICIENCY_SPREAD / 2
        self._efficiency = [EFFICIENCY * (1 + electric.uniform(-spread, spread)) for _ in range(count)]
        self._sky: ClearSky | None = None
        self._sky_at: datetime | None = None

    def clear_sky_at(self, when: datetime) -> ClearSky:
        """The clear sky at this moment, computed once per moment (every panel asks)."""
        if self._sky is None or self._sky_at != when:
            elevation, azimuth = sun_position_deg(self.model.latitude, self.model.longitude, when)
            self._sky, self._sky_at = clear_sky(elevation, azimuth), when
        return self._sky

    def sky(self, index: int, when: datetime) -> tuple[float, float]:
        """(beam share, diffuse gain) the clouds leave panel `index`; it sees the sky 20 s × index later."""
        cover = self.cloud_cover_pct(when + timedelta(seconds=20 * index)) / 100
        return 1 - cover**1.5, 0.3 * cover - 0.15 * cover**2

    def shade(self, index: int, sky: ClearSky, when: datetime) -> float:
        """The share of the beam the obstructions take from panel `index` now."""
        return max(
            (o.shade(sky.elevation, sky.azimuth) for o in self.model.obstructions if index in o.inverters), default=0.0
        )

    def panel_volts(self, index: int, kw: float) -> float:
        """The MPPT voltage of panel `index` while its healthy output would be `kw`: a little lower in dim light
        (logarithmically) and in heat (its cells warm with the light)."""
        light = max(0.02, kw / self.model.panel_ac_kw)
        heat = 1 - VOLTAGE_COEFF * (20 + CELL_RISE * 1000 * light - 25)
        return PANEL_VMP * (1 + 0.04 * math.log(light)) * heat * self._volt_factor[index]

    def efficiency(self, index: int, kw: float) -> float:
        """Inverter `index`'s AC/DC efficiency at `kw` AC: its own, a little lower at low power."""
        return self._efficiency[index] * (1 - 0.002 / max(0.02, kw / self.model.panel_ac_kw))

    def dc_side(self, index: int, when: datetime, kw: float) -> tuple[float, float]:
        return kw / self.efficiency(index, kw), self.panel_volts(index, kw)

    def inverter_kw(self, index: int, when: datetime) -> float:
        if index in self.model.failed:
            return 0.0
        sky = self.clear_sky_at(when)
        if sky.elevation <= 0:
            return 0.0
        face = self.model.faces[self.model.face_of[index]]
        shade = self.shade(index, sky, when)
        beam_share, diffuse_gain = self.sky(index, when)
        poa = plane_irradiance(sky, face, beam_share, diffuse_gain, shade)
        heat = 1 - TEMPERATURE_COEFF * (20 + CELL_RISE * poa - 25)
        kw = min(self.model.panel_ac_kw, self.model.panel_ac_kw * poa / 1000 * heat * self._panel_factor[index])
        return round(kw * self.overrides.get(index, 1.0), 4)
