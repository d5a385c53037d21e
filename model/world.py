"""Building the street: compounds (from a CSV or generated), households, grids and the network.

A street (街道) holds communities (社区); each community holds compounds (小区) of buildings
of households, and is cut into grids (网格) of a set size. The social network's building rings
come from networkx (seeded from the model's streams); all ties are kept as a row-normalised
sparse matrix for the step arithmetic, and `World.graph()` gives the networkx graph on request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from .jit import kernel
from .parameters import BY_NAME, ParameterError
from .streams import Streams

TYPE_NAMES = ("old", "commercial")
OLD, COMMERCIAL = range(len(TYPE_NAMES))
PROVIDER_NAMES = ("none", "commercial", "red")
NONE, FIRM, RED = range(len(PROVIDER_NAMES))

# Columns a compounds CSV may carry: name -> (required, kind, allowed range / values, meaning);
# the ranges are what a file may say, like the parameter table's valid ranges
COMPOUND_COLUMNS = {
    "community": (True, "str", None, "community name or number"),
    "type": (True, "choice", TYPE_NAMES, "compound type"),
    "households": (True, "int", (1, 100000), "households living there"),
    "compound": (False, "str", None, "compound name (default: C<row>)"),
    "building_age": (False, "float", (0, 200), "years since built"),
    "lift": (False, "bool", (0, 1), "1 if buildings have lifts"),
    "fee": (False, "float", (0, 20), "property fee, yuan/m²/month (default by type)"),
    "provider": (False, "choice", PROVIDER_NAMES, "property provider at the start"),
    "party_org": (False, "bool", (0, 1), "1 if the compound has a party organisation"),
    "area_m2": (False, "float", (10, 500), "mean floor area per household"),
    "elderly_share": (False, "float", (0, 1), "share of elderly-headed households"),
    "low_income_share": (False, "float", (0, 1), "share of low-income households"),
    "digital_level": (False, "float", (0, 1), "digitalisation of the compound's community"),
}


class CompoundsFileError(ParameterError):
    pass


# Parameters that only shape a generated street: with a compounds file the file gives the street's
# size, communities and compounds, and these are never read (tests/test_cli_misuse.py checks it)
FILE_GIVES = ("n_households", "n_communities", "households_per_compound", "compound_size_spread",
              "old_compound_share")


def _spread_levels(mean: float, spread: float, k: int) -> np.ndarray:
    """k community levels evenly spaced around `mean` (P1, P4: uneven coverage)."""
    if k == 1:
        return np.array([mean])
    return np.clip(np.linspace(mean - spread / 2, mean + spread / 2, k), 0.0, 1.0)


def generate_compounds(p: dict, streams: Streams) -> pd.DataFrame:
    """A default street from the parameter table: compound sizes, types, providers, coverage."""
    rng = streams["world.compounds"]
    n_hh, k = p["n_households"], p["n_communities"]
    n_comp = max(k, int(round(n_hh / p["households_per_compound"])))
    spread = p["compound_size_spread"]
    sizes = rng.uniform(1.0 - spread, 1.0 + spread, n_comp)
    sizes = np.maximum(1, np.floor(sizes / sizes.sum() * n_hh)).astype(int)
    while sizes.sum() > n_hh:  # tiny streets: take the excess from the largest
        sizes[np.argmax(sizes)] -= 1
    while sizes.sum() < n_hh:
        sizes[np.argmin(sizes)] += 1
    community = np.arange(n_comp) % k
    is_old = rng.random(n_comp) < p["old_compound_share"]
    cov = _spread_levels(p["party_coverage_mean"], p["party_coverage_spread"], k)
    dig = _spread_levels(p["digital_level_mean"], p["digital_level_spread"], k)
    managed_old = rng.random(n_comp) < p["old_managed_share_start"]
    party = rng.random(n_comp) < cov[community]
    age = np.where(is_old, rng.normal(p["building_age_old"], p["building_age_sd_old"], n_comp),
                   rng.normal(p["building_age_commercial"], p["building_age_sd_commercial"], n_comp))
    lift = ~is_old & (rng.random(n_comp) < p["lift_share_commercial"])
    return pd.DataFrame({
        "compound": [f"C{i + 1:03d}" for i in range(n_comp)],
        "community": [f"community_{c + 1}" for c in community],
        "type": np.where(is_old, "old", "commercial"),
        "households": sizes,
        "building_age": np.clip(age, 1, p["building_age_max"]).round(1),
        "lift": lift.astype(int),
        "fee": np.where(is_old, p["fee_old"], p["fee_commercial"]),
        "provider": np.where(is_old & ~managed_old, "none", "commercial"),
        "party_org": party.astype(int),
        "area_m2": np.where(is_old, p["area_m2_old"], p["area_m2_commercial"]),
        "elderly_share": np.where(is_old, p["elderly_share_old"], p["elderly_share_commercial"]),
        "low_income_share": np.where(is_old, p["low_income_share_old"], p["low_income_share_commercial"]),
        "digital_level": dig[community],
    })


def read_compounds(path: str | Path, p: dict) -> pd.DataFrame:
    """Read and check a compounds CSV; every error names the row, the column and what is allowed."""
    path = Path(path)
    where = str(path)
    try:
        df = pd.read_csv(path, dtype=str, skipinitialspace=True)
    except FileNotFoundError:
        raise CompoundsFileError("compounds", str(path), "an existing CSV file") from None
    except Exception as exc:  # malformed CSV
        raise CompoundsFileError("compounds", str(path), f"a readable CSV ({exc})") from None
    return check_compounds(df, p, where)


def check_compounds(df: pd.DataFrame, p: dict, where: str = "compounds") -> pd.DataFrame:
    """Check a compounds table (from a CSV or built in Python) and fill optional columns."""
    df = df.astype(object).where(pd.notna(df), None)
    df.columns = [str(c).strip() for c in df.columns]
    unknown = [c for c in df.columns if c not in COMPOUND_COLUMNS]
    if unknown:
        raise CompoundsFileError(unknown[0], "(column)", "one of " + ", ".join(COMPOUND_COLUMNS), where)
    for col, (required, *_rest) in COMPOUND_COLUMNS.items():
        if required and col not in df.columns:
            raise CompoundsFileError(col, "(missing column)", "a column named " + col, where)
    if len(df) == 0:
        raise CompoundsFileError("households", "(no rows)", "at least one compound", where)
    out = {}
    for col in df.columns:
        _, kind, allowed, meaning = COMPOUND_COLUMNS[col]
        vals = []
        for i, raw in enumerate(df[col].tolist()):
            loc = f"{where} row {i + 2}"
            if raw is None or str(raw).strip() == "":
                raise CompoundsFileError(col, raw, f"a value ({meaning})", loc)
            s = str(raw).strip()
            if kind == "str":
                if s[0] in "=+-@":  # a spreadsheet would run it as a formula when the output CSV is opened
                    raise CompoundsFileError(col, s, "a name that does not start with =, +, - or @", loc)
                vals.append(s)
            elif kind == "choice":
                if s not in allowed:
                    raise CompoundsFileError(col, s, "one of " + ", ".join(allowed), loc)
                vals.append(s)
            else:
                try:
                    v = float(s)
                except ValueError:
                    raise CompoundsFileError(col, s, f"a number in [{allowed[0]}, {allowed[1]}] ({meaning})", loc) from None
                if not math.isfinite(v):
                    raise CompoundsFileError(col, s, f"a finite number in [{allowed[0]}, {allowed[1]}] ({meaning})", loc)
                if kind == "int" and v != int(v) or kind == "bool" and v not in (0, 1):
                    raise CompoundsFileError(col, s, f"a whole number in [{allowed[0]}, {allowed[1]}]", loc)
                if not allowed[0] <= v <= allowed[1]:
                    raise CompoundsFileError(col, s, f"a number in [{allowed[0]}, {allowed[1]}] ({meaning})", loc)
                vals.append(int(v) if kind in ("int", "bool") else v)
        out[col] = vals
    df = pd.DataFrame(out)
    total, limit = int(df["households"].sum()), int(BY_NAME["n_households"].valid[1])
    if total > limit:
        raise CompoundsFileError("households", f"{total:,} in all", f"at most {limit:,} households in all "
                                 "(the same limit as --households)", where)
    is_old = (df["type"] == "old").to_numpy()
    defaults = {
        "compound": [f"C{i + 1:03d}" for i in range(len(df))],
        "building_age": np.where(is_old, p["building_age_old"], p["building_age_commercial"]),
        "lift": (~is_old).astype(int),
        "fee": np.where(is_old, p["fee_old"], p["fee_commercial"]),
        "provider": np.where(is_old, "none", "commercial"),
        "party_org": np.ones(len(df), dtype=int),
        "area_m2": np.where(is_old, p["area_m2_old"], p["area_m2_commercial"]),
        "elderly_share": np.where(is_old, p["elderly_share_old"], p["elderly_share_commercial"]),
        "low_income_share": np.where(is_old, p["low_income_share_old"], p["low_income_share_commercial"]),
        "digital_level": np.full(len(df), p["digital_level_mean"]),
    }
    for col, val in defaults.items():
        if col not in df.columns:
            df[col] = val
    if df["compound"].duplicated().any():
        dup = df["compound"][df["compound"].duplicated()].iloc[0]
        raise CompoundsFileError("compound", dup, "unique compound names", where)
    return df[list(COMPOUND_COLUMNS)[:3] + [c for c in COMPOUND_COLUMNS if c not in ("community", "type", "households")]]


class TiesByDegree(NamedTuple):
    """The network's ties laid out for the neighbours' means (`Residents.neighbour_means`).

    Households are grouped by degree, so a group's rows have the same number of ties (several
    rows can be summed side by side, and the loop's length is known); a row of the row-normalised
    adjacency has one weight, 1 / degree as `W` holds it in float32, so a group has one `weight`;
    and a 0/1 trait's sum over k ties of one weight, added one by one in float32, depends on k
    only: `ones_sum[group, k]`. So every mean is `W @ x`'s float, in the ties' stored order."""

    starts: np.ndarray  # group g's households are rows[starts[g]:starts[g + 1]]
    degrees: np.ndarray  # each group's number of ties
    rows: np.ndarray  # uint32: households, group by group (in household order within a group)
    neighbours: np.ndarray  # uint32: each row's neighbours in W's stored order, row after row
    weight: np.ndarray  # float32: each group's tie weight
    ones_sum: np.ndarray  # float32 (groups x largest degree + 1): k ties' weights added in float32
    count_bits: int  # bits that hold any count of ties (the largest degree's bit length)


def group_ties(W: sp.csr_matrix) -> TiesByDegree:
    """`TiesByDegree` of a row-normalised adjacency; every row's ties must have one weight (the
    model's network is built so), else the layout could not give `W @ x`'s floats: an error."""
    deg = np.diff(W.indptr).astype(np.int64)
    rows = np.argsort(deg, kind="stable")
    degrees, counts = np.unique(deg[rows], return_counts=True)
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    lens = deg[rows]
    first = np.cumsum(lens) - lens  # where each row's ties start in the new layout
    src = np.repeat(W.indptr[rows].astype(np.int64) - first, lens) + np.arange(int(lens.sum()))
    weight = np.array([W.data[W.indptr[rows[starts[g]]]] if d > 0 else 0.0 for g, d in enumerate(degrees)], np.float32)
    if not np.array_equal(W.data[src], np.repeat(np.repeat(weight, counts), lens)):
        raise ValueError("network: each household's ties must have one weight (a row-normalised adjacency)")
    ones_sum = np.zeros((len(degrees), int(degrees.max(initial=0)) + 1), np.float32)
    for g, d in enumerate(degrees):
        for k in range(1, d + 1):
            ones_sum[g, k] = ones_sum[g, k - 1] + weight[g]  # float32 + float32: as the product adds them
    # households as unsigned numbers: a compiled pass indexes with them without first checking for
    # a negative index (numpy's count from the end), which cost the neighbours' means a sixth
    return TiesByDegree(starts, degrees, rows.astype(np.uint32), W.indices[src].astype(np.uint32), weight, ones_sum,
                        int(degrees.max(initial=0)).bit_length())


@dataclass
class World:
    """Static structure of the street plus the households' fixed traits (arrays)."""

    compounds: pd.DataFrame
    # per compound
    c_type: np.ndarray
    c_community: np.ndarray
    c_households: np.ndarray
    c_area: np.ndarray  # total m²
    c_fee: np.ndarray
    c_party: np.ndarray  # bool: compound party organisation exists at the start
    c_age: np.ndarray
    c_lift: np.ndarray
    c_provider0: np.ndarray
    community_names: list[str]
    community_digital: np.ndarray
    # per household
    hh_compound: np.ndarray
    hh_building: np.ndarray
    hh_grid: np.ndarray
    hh_community: np.ndarray
    hh_area: np.ndarray
    hh_income: np.ndarray
    elderly: np.ndarray
    low_income: np.ndarray
    party_member: np.ndarray
    central: np.ndarray  # central households (党员中心户)
    central_of: np.ndarray  # index of the central household looking after each household, -1 none
    rider: np.ndarray
    rider_rank: np.ndarray  # riders are recruited in this fixed order, so doses nest
    # per grid
    grid_community: np.ndarray
    grid_households: np.ndarray
    # the network, row-normalised (neighbour means are W @ x)
    W: sp.csr_matrix
    degree: np.ndarray
    n_edges: int
    extra: dict = field(default_factory=dict)
    _by_compound: tuple | None = field(default=None, repr=False, compare=False)  # `households_of`'s sort, made once
    _ties_by_degree: TiesByDegree | None = field(default=None, repr=False, compare=False)  # made once, on first use

    @property
    def n(self) -> int:
        return len(self.hh_compound)

    def graph(self) -> nx.Graph:
        """The neighbourhood network as a networkx graph (households 0..n-1), for analysis and drawing."""
        g = nx.from_scipy_sparse_array(self.W > 0)
        for _, _, d in g.edges(data=True):
            d.pop("weight", None)
        return g

    def compound_mean(self, per_household: np.ndarray) -> np.ndarray:
        """The mean over each compound's households of a per-household quantity."""
        return _compound_mean(self.hh_compound, np.asarray(per_household, float), self.c_households)

    def households_of(self, c: int) -> np.ndarray:
        """Compound `c`'s households in household order (`np.flatnonzero(hh_compound == c)`; households
        do not move, so the street is sorted by compound once, on first use)."""
        if self._by_compound is None:
            counts = np.bincount(self.hh_compound, minlength=self.n_compounds)
            ends = np.cumsum(counts)
            self._by_compound = (np.argsort(self.hh_compound, kind="stable"), ends - counts, ends)
        order, starts, ends = self._by_compound
        return order[starts[c]:ends[c]]

    def ties_by_degree(self) -> TiesByDegree:
        """The network's ties grouped by the households' degree (`group_ties`), made once, on first use."""
        if self._ties_by_degree is None:
            self._ties_by_degree = group_ties(self.W)
        return self._ties_by_degree

    @property
    def n_compounds(self) -> int:
        return len(self.c_type)

    @property
    def n_grids(self) -> int:
        return len(self.grid_households)

    @property
    def n_communities(self) -> int:
        return len(self.community_names)


def build_world(p: dict, streams: Streams, compounds: pd.DataFrame | str | Path | None = None) -> World:
    if compounds is None:
        df = generate_compounds(p, streams)
    elif isinstance(compounds, pd.DataFrame):
        df = check_compounds(compounds, p)
    else:
        df = read_compounds(compounds, p)
    community_names = list(dict.fromkeys(df["community"].astype(str)))
    cidx = {c: i for i, c in enumerate(community_names)}
    c_comm = df["community"].astype(str).map(cidx).to_numpy(np.int32)
    c_type = np.where(df["type"].to_numpy() == "old", OLD, COMMERCIAL).astype(np.int8)
    c_hh = df["households"].to_numpy(np.int64)
    n = int(c_hh.sum())
    n_comp = len(df)
    rng = streams["world.households"]

    hh_compound = np.repeat(np.arange(n_comp, dtype=np.int32), c_hh)
    hh_community = c_comm[hh_compound]
    # buildings: consecutive blocks inside each compound
    pos_in_comp = np.arange(n) - np.repeat(np.cumsum(c_hh) - c_hh, c_hh)
    bpc = np.maximum(1, np.ceil(c_hh / p["households_per_building"])).astype(np.int64)
    b_offset = np.cumsum(bpc) - bpc
    hh_building = (b_offset[hh_compound] + pos_in_comp // p["households_per_building"]).astype(np.int32)
    # grids: consecutive blocks of households inside each community (grids may span compounds)
    order = np.lexsort((np.arange(n), hh_community))
    hh_grid = np.empty(n, dtype=np.int32)
    grid_comm, grid_hh = [], []
    g0 = 0
    for c in range(len(community_names)):
        members = order[hh_community[order] == c]
        k = max(1, int(round(len(members) / p["households_per_grid"])))
        ids = (np.arange(len(members)) * k) // max(1, len(members))
        hh_grid[members] = g0 + ids
        grid_comm += [c] * k
        grid_hh += list(np.bincount(ids, minlength=k))
        g0 += k

    elderly_share = df["elderly_share"].to_numpy(float)[hh_compound]
    low_share = df["low_income_share"].to_numpy(float)[hh_compound]
    elderly = rng.random(n) < elderly_share
    low_income = rng.random(n) < low_share
    party_member = rng.random(n) < p["party_member_share"]
    rider = (rng.random(n) < p["rider_share"]) & ~elderly
    rider_rank = rng.permutation(n)
    inc = p["income_yuan_month"] * np.where(c_type[hh_compound] == COMMERCIAL, p["income_factor_commercial"], 1.0)
    hh_income = inc * np.where(low_income, p["income_factor_low"], 1.0) * rng.lognormal(0, p["income_sd_log"], n)
    spread = p["area_spread"]
    hh_area = df["area_m2"].to_numpy(float)[hh_compound] * rng.uniform(1.0 - spread, 1.0 + spread, n)

    # central households: party members look after `span` neighbours in compounds with a party organisation
    span = p["central_household_span"]
    central = np.zeros(n, bool)
    central_of = np.full(n, -1, np.int64)
    c_party = df["party_org"].to_numpy(int).astype(bool)
    starts = np.cumsum(c_hh) - c_hh
    for c in range(n_comp):  # every compound gets its would-be central households; active where organised
        idx = np.arange(starts[c], starts[c] + c_hh[c])
        blocks = idx // span  # neighbours in consecutive flats: the same building
        for b in np.unique(blocks):
            members = idx[blocks == b]
            pm = members[party_member[members]]
            if len(pm) == 0:
                continue
            ch = pm[0]
            central[ch] = True
            central_of[members] = ch

    W, degree, n_edges = build_network(p, streams, hh_compound, hh_building, hh_community, central_of)
    return World(
        compounds=df.reset_index(drop=True), c_type=c_type, c_community=c_comm, c_households=c_hh,
        c_area=np.bincount(hh_compound, weights=hh_area, minlength=n_comp),
        c_fee=df["fee"].to_numpy(float), c_party=c_party, c_age=df["building_age"].to_numpy(float),
        c_lift=df["lift"].to_numpy(int).astype(bool),
        c_provider0=df["provider"].map({k: i for i, k in enumerate(PROVIDER_NAMES)}).to_numpy(np.int8),
        community_names=community_names,
        community_digital=np.array([df["digital_level"].to_numpy(float)[c_comm == c].mean() for c in range(len(community_names))]),
        hh_compound=hh_compound, hh_building=hh_building, hh_grid=hh_grid, hh_community=hh_community,
        hh_area=hh_area, hh_income=hh_income, elderly=elderly, low_income=low_income,
        party_member=party_member, central=central, central_of=central_of, rider=rider, rider_rank=rider_rank,
        grid_community=np.array(grid_comm, np.int32), grid_households=np.array(grid_hh, np.int64),
        W=W, degree=degree, n_edges=n_edges,
    )


@lru_cache(maxsize=256)
def _building_ties(m: int, kk: int) -> np.ndarray:
    """The ties inside one building of m households: a networkx ring lattice (each household tied to
    kk/2 neighbours on each side; a path for two households), as an (edges, 2) array.

    Rewiring probability is 0, so the ring depends only on (m, kk): built once and reused, which
    keeps the set-up of a small model (sensitivity runs) from being mostly graph building.
    """
    h = nx.path_graph(m) if kk < 2 else nx.watts_strogatz_graph(m, kk, 0.0, seed=0)
    ties = np.array(list(h.edges()), dtype=np.int64).reshape(-1, 2)
    ties.setflags(write=False)
    return ties


def build_network(p, streams, hh_compound, hh_building, hh_community, central_of):
    """Small-world ties inside each building, a few across compounds, and central-household ties.

    Each building is a networkx Watts-Strogatz ring (its seed drawn from the 'network' stream);
    the ties are gathered as arrays and turned straight into a row-normalised CSR matrix (the
    same matrix a networkx graph of them gives; `World.graph()` rebuilds that graph on request).
    """
    rng = streams["network"]
    n = len(hh_compound)
    k = int(p["ties_within_building"])
    k -= k % 2
    bstart = np.flatnonzero(np.r_[True, hh_building[1:] != hh_building[:-1]])
    bend = np.r_[bstart[1:], n]
    parts = []
    for s, e in zip(bstart, bend):
        m = e - s
        if m < 2 or k == 0:
            continue
        kk = min(k, m - 1 - (m - 1) % 2) if m > 2 else 1
        if kk >= 2:
            rng.integers(2**31 - 1)  # the ring's seed: drawn as before so the stream stays aligned
        parts.append(_building_ties(int(m), int(kk)) + s)
    # rewired ties: to a random household of the same compound
    comp_start = np.flatnonzero(np.r_[True, hh_compound[1:] != hh_compound[:-1]])
    comp_size = np.diff(np.r_[comp_start, n])
    c_first = np.repeat(comp_start, comp_size)
    c_len = np.repeat(comp_size, comp_size)
    rew = np.flatnonzero(rng.random(n) < p["tie_rewire"] * k / 2)
    targets = c_first[rew] + (rng.random(len(rew)) * c_len[rew]).astype(np.int64)
    parts.append(np.column_stack([rew, targets]))
    # a few ties across compounds inside the community
    cross = np.flatnonzero(rng.random(n) < p["cross_tie_share"])
    if len(cross):
        order = np.argsort(hh_community, kind="stable")
        cm_start = np.searchsorted(hh_community[order], hh_community[cross])
        cm_end = np.searchsorted(hh_community[order], hh_community[cross], side="right")
        pick = order[cm_start + (rng.random(len(cross)) * (cm_end - cm_start)).astype(np.int64)]
        parts.append(np.column_stack([cross, pick]))
    has_ch = np.flatnonzero(central_of >= 0)
    parts.append(np.column_stack([has_ch, central_of[has_ch]]))
    ties = np.concatenate([t.astype(np.int64, copy=False).reshape(-1, 2) for t in parts])
    ties = ties[ties[:, 0] != ties[:, 1]]  # no self-ties
    rows = np.concatenate([ties[:, 0], ties[:, 1]])
    cols = np.concatenate([ties[:, 1], ties[:, 0]])
    A = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, n))
    A.sum_duplicates()
    A.data[:] = 1.0  # a tie named twice is one tie
    n_edges = A.nnz // 2
    degree = np.asarray(A.sum(axis=1)).ravel()
    inv = np.where(degree > 0, 1.0 / np.maximum(degree, 1), 0.0).astype(np.float32)
    W = sp.csr_matrix(sp.diags(inv) @ A)
    return W, degree, n_edges


@kernel
def _compound_mean(hh_compound, values, c_households):
    """Sum per compound in household order (as `np.bincount` adds), divided by its households. A
    compound's running sum stays in a register while its households follow each other (the same
    additions in the same order, without waiting on memory for each)."""
    out = np.zeros(len(c_households))
    at, run = -1, 0.0
    for i in range(len(hh_compound)):
        c = hh_compound[i]
        if c != at:
            if at >= 0:
                out[at] = run
            at, run = c, out[c]
        run += values[i]
    if at >= 0:
        out[at] = run
    for c in range(len(out)):
        out[c] = out[c] / max(c_households[c], 1)
    return out
