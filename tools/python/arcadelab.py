"""Read Arcade Lab checkpoints (.arcadelab) and models (.safetensors) in Python.

Needs numpy only; the functions whose names say ``torch`` (and only they) import torch.
The file layout is src/checkpoint/FORMAT.md; this reader follows it and checks everything it
can: signature, versions, the header's and every blob's SHA-256, sizes, the end marker.
Container version 2 files carry compressed blobs (raw DEFLATE, replay frames after the
xor-sparse32 filter; FORMAT.md "Blob encodings"), decoded with the stdlib zlib and numpy;
version 1 files (every blob raw) are still read.

    import arcadelab
    ck = arcadelab.read_checkpoint("Breakout-100000steps.arcadelab")
    ck.config                 # the run's RunConfig (meta.run): agent hyperparameters, env, mode, seed, ...
    ck.counters               # agentSteps, vectorSteps, frames, episodes, gradientUpdates
    ck.weights["online"]      # {name: ndarray} in our (tfjs) layouts, e.g. "conv0/kernel" [kh, kw, in, out]
    ck.adam                   # {"m": {...}, "v": {...}, "iterations", "beta1_power", "beta2_power"} or None
    ck.replay.frames          # [rows, H, W] uint8, with .actions .rewards .flags (.priorities), per FORMAT.md
    ck.replay.transitions()   # CleanRL-style (obs, next_obs, actions, rewards, dones) of every valid row
    ck.rng, ck.env_states     # sfc32 states (uint32[4]); opaque emulator states (bytes), one per env
    sd = arcadelab.cleanrl_state_dict(ck)      # CleanRL dqn_atari QNetwork names and PyTorch layouts (numpy)
    q = arcadelab.torch_q_network(ck)          # torch.nn.Module with those weights loaded (strict)

Errors are ``ArcadeLabError`` (with ``code``: truncated, format, version, corrupt, incompatible),
the same codes the app's importer uses.
"""
from __future__ import annotations

import hashlib
import json
import struct
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Dict, List, Optional, Tuple

import numpy as np

__all__ = [
    "ArcadeLabError", "Checkpoint", "Replay", "read_checkpoint", "cleanrl_state_dict", "read_safetensors",
    "write_safetensors", "torch_q_network", "torch_load_adam", "FLAG_START", "FLAG_ACTION", "FLAG_TERMINATED",
    "FLAG_TRUNCATED", "FLAG_FINAL",
]

MAGIC = b"ARCLABCK"
TRAILER = b"ARCLABOK"
CONTAINER_VERSIONS = (1, 2)
MAX_HEADER_BYTES = 16 * 1024 * 1024
MAX_BLOB_BYTES = 256 * 1024 * 1024
SCHEMAS = (1, 2, 3)

# Replay row flags (src/agent/replay.ts).
FLAG_START = 1
FLAG_ACTION = 2
FLAG_TERMINATED = 4
FLAG_TRUNCATED = 8
FLAG_FINAL = 16

_DTYPES = {"u8": np.dtype("u1"), "f32": np.dtype("<f4"), "f64": np.dtype("<f8")}


class ArcadeLabError(Exception):
    """A file this reader refuses; ``code`` says why (same codes as the app's CheckpointError)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class _Reader:
    """Exact reads from a file; running out is a 'truncated' error naming what was cut."""

    def __init__(self, f: BinaryIO):
        self.f = f
        self.pos = 0

    def read(self, n: int, what: str) -> bytes:
        b = self.f.read(n)
        if len(b) != n:
            raise ArcadeLabError("truncated", f"checkpoint file is truncated: it ends inside {what} (after {self.pos + len(b)} bytes)")
        self.pos += n
        return b


@dataclass
class Replay:
    """The replay buffer as stored: ``rows`` rows, env after env (FORMAT.md, "Replay rows").

    Row r of env e is its ring's physical row ``r - env_offsets[e]``; ``totals[e]`` rows were
    ever written by env e, so its logical row L sits at physical row ``L % segment_capacity``.
    """

    num_envs: int
    segment_capacity: int
    frame_height: int
    frame_width: int
    stack_size: int
    totals: List[int]
    max_priority: float
    frames: np.ndarray  # [rows, H, W] uint8
    actions: np.ndarray  # [rows] uint8
    rewards: np.ndarray  # [rows] float32 (clipped if the run clips rewards: what the agent learned from)
    flags: np.ndarray  # [rows] uint8, FLAG_* bits
    priorities: Optional[np.ndarray]  # [rows] float64, prioritized replay only
    env_offsets: List[int]  # first stored row of each env
    env_rows: List[int]  # stored rows of each env (min(totals[e], segment_capacity))

    def physical(self) -> Dict[str, np.ndarray]:
        """The full-capacity buffer (N * segment_capacity rows, never-written rows zero), as the app holds it."""
        n = self.num_envs * self.segment_capacity
        out = {
            "frames": np.zeros((n, self.frame_height, self.frame_width), np.uint8),
            "actions": np.zeros(n, np.uint8),
            "rewards": np.zeros(n, np.float32),
            "flags": np.zeros(n, np.uint8),
        }
        if self.priorities is not None:
            out["priorities"] = np.zeros(n, np.float64)
        for e in range(self.num_envs):
            a, k, p = self.env_offsets[e], self.env_rows[e], e * self.segment_capacity
            for name, arr in out.items():
                arr[p : p + k] = getattr(self, name)[a : a + k]
        return out

    def _row(self, e: int, logical: int) -> int:
        return self.env_offsets[e] + logical % self.segment_capacity

    def stack_rows(self, e: int, logical: int) -> List[int]:
        """Stored row indices of the frame stack ending at env e's logical row (oldest first).

        The app's one stacking rule (ReplayBuffer.stackRows): walk back, but stop at the
        episode's START row and repeat it, so a stack never mixes two episodes.
        """
        out = [0] * self.stack_size
        cur = logical
        for c in range(self.stack_size - 1, -1, -1):
            r = self._row(e, cur)
            out[c] = r
            if c > 0 and not (self.flags[r] & FLAG_START):
                cur -= 1
        return out

    def valid_logical(self, e: int, n_step: int = 1) -> np.ndarray:
        """Env e's logical rows that are sampleable transitions (the app's ReplayBuffer.isValid):
        acted on, the n rows after it written, its stack still in the ring."""
        t = self.totals[e]
        lo = t - self.segment_capacity + self.stack_size - 1 if t > self.segment_capacity else 0
        hi = self.totals[e] - 1 - n_step
        if hi < lo:
            return np.zeros(0, np.int64)
        logical = np.arange(lo, hi + 1, dtype=np.int64)
        rows = self.env_offsets[e] + logical % self.segment_capacity
        return logical[(self.flags[rows] & FLAG_ACTION) != 0]

    def transitions(self, env: Optional[int] = None) -> Dict[str, np.ndarray]:
        """Every valid 1-step transition, in stream order (env after env, oldest first), as
        CleanRL's dqn_atari.py stores them: ``obs`` / ``next_obs`` [T, S, H, W] uint8 (NCHW,
        oldest frame first, like FrameStack), ``actions`` [T] int64, ``rewards`` [T] float32,
        ``dones`` [T] float32 (= terminated; a time-limit truncation bootstraps, as CleanRL's
        terminations do), plus ``truncated`` [T] bool and ``env`` [T] (which env stream).
        A terminated/truncated row's next_obs is the episode's final frame stack (FINAL row).
        """
        envs = range(self.num_envs) if env is None else [env]
        idx: List[List[int]] = []
        nxt: List[List[int]] = []
        rows: List[int] = []
        which: List[int] = []
        for e in envs:
            for L in self.valid_logical(e, 1):
                L = int(L)
                idx.append(self.stack_rows(e, L))
                nxt.append(self.stack_rows(e, L + 1))
                rows.append(self._row(e, L))
                which.append(e)
        r = np.asarray(rows, np.int64)
        shape = (0, self.stack_size, self.frame_height, self.frame_width)
        flags = self.flags[r] if len(r) else np.zeros(0, np.uint8)
        return {
            "obs": self.frames[np.asarray(idx, np.int64)] if idx else np.zeros(shape, np.uint8),
            "next_obs": self.frames[np.asarray(nxt, np.int64)] if nxt else np.zeros(shape, np.uint8),
            "actions": self.actions[r].astype(np.int64) if len(r) else np.zeros(0, np.int64),
            "rewards": self.rewards[r] if len(r) else np.zeros(0, np.float32),
            "dones": ((flags & FLAG_TERMINATED) != 0).astype(np.float32),
            "truncated": (flags & FLAG_TRUNCATED) != 0,
            "env": np.asarray(which, np.int64),
        }


@dataclass
class Checkpoint:
    header: Dict[str, Any]
    meta: Dict[str, Any]
    config: Dict[str, Any]
    counters: Dict[str, int]
    network: Dict[str, Any]  # {"spec": {"conv": [...], "hidden": [...]}, "input": {...}, "numActions", "dueling"}
    arrays: Dict[str, np.ndarray]  # every array by its FORMAT.md name, typed, flat
    weights: Dict[str, "OrderedDict[str, np.ndarray]"]  # "online", "target": tfjs names and layouts
    adam: Optional[Dict[str, Any]]
    stacks: np.ndarray  # [N, S, H, W] uint8: each env's acting stack, oldest first
    replay: Optional[Replay]
    rng: Dict[str, np.ndarray]  # "agent", "eval": sfc32 states, uint32[4]
    env_states: List[bytes]  # opaque AtariEnv.cloneState() bytes, one per env (may be empty)
    metrics: Any  # the charts' history (JSON), or None
    eval_return: Optional[float] = None
    extra: Dict[str, Any] = field(default_factory=dict)


def _fail(msg: str) -> None:
    raise ArcadeLabError("format", f"not a valid checkpoint file: {msg}")


def _check_header(h: Any) -> None:
    if not isinstance(h, dict):
        _fail("header is not an object")
    if h.get("format") != "arcade-lab-checkpoint":
        _fail(f"header format is {h.get('format')!r}")
    if h.get("version") not in CONTAINER_VERSIONS:
        raise ArcadeLabError("version", f"checkpoint header version {h.get('version')!r} is not supported (this reader reads {CONTAINER_VERSIONS})")
    m = h.get("manifest")
    if not isinstance(m, dict) or not isinstance(m.get("meta"), dict) or not isinstance(m.get("arrays"), list):
        _fail("manifest is missing")
    if m["meta"].get("schema") not in SCHEMAS:
        raise ArcadeLabError("version", f"checkpoint schema {m['meta'].get('schema')!r} is not supported (this reader reads {SCHEMAS})")
    total = 0
    keys = set()
    for a in m["arrays"]:
        if not isinstance(a, dict) or a.get("dtype") not in _DTYPES or not isinstance(a.get("parts"), list):
            _fail(f"array entry {a!r:.80} invalid")
        s = 0
        for p in a["parts"]:
            if not isinstance(p, dict) or not isinstance(p.get("size"), int) or p["size"] < 0 or not isinstance(p.get("sha256"), str):
                _fail(f"blob entry of {a.get('name')} invalid")
            if p["size"] > MAX_BLOB_BYTES:
                _fail(f"blob {p.get('key')} is larger than {MAX_BLOB_BYTES} bytes")
            if p.get("key") in keys:
                _fail(f"blob {p.get('key')} appears twice")
            keys.add(p.get("key"))
            s += _check_encoding(p, h["version"])
            total += p["size"]
        if s != a.get("byteLength"):
            _fail(f"array {a.get('name')} declares {a.get('byteLength')} bytes but its blobs hold {s}")
        if s % _DTYPES[a["dtype"]].itemsize:
            _fail(f"array {a.get('name')} holds {s} bytes, not a whole number of {a['dtype']} values")
    if total != h.get("blobBytes"):
        _fail(f"blob section declared as {h.get('blobBytes')} bytes, blobs hold {total}")
    names = {a["name"] for a in m["arrays"]}
    for need in ("net/online", "net/target", "agent/stacks"):
        if need not in names:
            _fail(f"array {need} missing")


def _check_encoding(p: Dict[str, Any], version: int) -> int:
    """Checks a blob entry's encoding fields; returns its decoded size."""
    codec = p.get("codec")
    if codec is None:
        if p.get("filter") is not None:
            _fail(f"blob {p.get('key')}: filter without a codec")
        return p["size"]
    if version == 1:
        _fail(f"blob {p.get('key')} names a codec in a version 1 file")
    if codec != "deflate-raw":
        raise ArcadeLabError("version", f"blob {p.get('key')} uses codec {codec!r}, which this reader does not read")
    flt = p.get("filter")
    if flt not in (None, "xor-sparse32"):
        raise ArcadeLabError("version", f"blob {p.get('key')} uses filter {flt!r}, which this reader does not read")
    raw = p.get("rawSize")
    if not isinstance(raw, int) or raw < 0 or raw > MAX_BLOB_BYTES:
        _fail(f"blob {p.get('key')}: rawSize {raw!r} invalid")
    if flt is not None:
        st = p.get("stride")
        if not isinstance(st, int) or st <= 0 or st % 4 or raw % 4:
            _fail(f"blob {p.get('key')}: bad filter stride {st!r}")
    return raw


def _xor_sparse32_decode(payload: bytes, raw_size: int, stride: int, key: str) -> bytes:
    """FORMAT.md xor-sparse32: bitmap of non-zero XOR deltas (LSB first), then those u32 LE words."""
    n, s = raw_size // 4, stride // 4
    mask_bytes = (n + 7) // 8
    if len(payload) < mask_bytes or (len(payload) - mask_bytes) % 4:
        raise ArcadeLabError("corrupt", f"blob {key}: filtered payload has {len(payload)} bytes")
    mask = np.unpackbits(np.frombuffer(payload, dtype=np.uint8, count=mask_bytes), bitorder="little")
    if mask[n:].any():
        raise ArcadeLabError("corrupt", f"blob {key}: bitmap names words past the blob")
    mask = mask[:n].astype(bool)
    vals = np.frombuffer(payload, dtype="<u4", offset=mask_bytes)
    if int(mask.sum()) != vals.size:
        raise ArcadeLabError("corrupt", f"blob {key}: filtered payload holds {vals.size} values, its bitmap names {int(mask.sum())}")
    w = np.zeros(n, dtype="<u4")
    w[mask] = vals
    # Undo the XOR with the word one frame (stride) earlier: a running XOR down each column.
    frames = -(-n // s)
    col = np.zeros(frames * s, dtype="<u4")
    col[:n] = w
    np.bitwise_xor.accumulate(col.reshape(frames, s), axis=0, out=col.reshape(frames, s))
    return col[:n].tobytes()


def _decode_blob(b: bytes, p: Dict[str, Any]) -> bytes:
    if p.get("codec") is None:
        return b
    try:
        out = zlib.decompress(b, -15)  # raw DEFLATE (no zlib/gzip wrapper)
    except zlib.error as e:
        raise ArcadeLabError("corrupt", f"blob {p['key']} does not decode ({e})")
    if p.get("filter") == "xor-sparse32":
        out = _xor_sparse32_decode(out, p["rawSize"], p["stride"], p["key"])
    if len(out) != p["rawSize"]:
        raise ArcadeLabError("corrupt", f"blob {p['key']} decodes to {len(out)} bytes, expected {p['rawSize']}")
    return out


def _read_container(f: BinaryIO) -> Tuple[Dict[str, Any], Dict[str, np.ndarray]]:
    r = _Reader(f)
    magic = r.read(8, "the file signature")
    if magic != MAGIC:
        _fail("wrong file signature (expected an Arcade Lab .arcadelab checkpoint)")
    version, hlen = struct.unpack("<II", r.read(8, "the file header"))
    if version not in CONTAINER_VERSIONS:
        raise ArcadeLabError("version", f"checkpoint file version {version} is not supported (this reader reads {CONTAINER_VERSIONS})")
    if hlen < 2 or hlen > MAX_HEADER_BYTES:
        _fail(f"header length {hlen} out of range")
    hb = r.read(hlen, "the header")
    if hashlib.sha256(hb).digest() != r.read(32, "the header checksum"):
        raise ArcadeLabError("corrupt", "checkpoint file header fails its SHA-256 check (file corrupted)")
    try:
        h = json.loads(hb.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        _fail("header is not JSON")
    _check_header(h)
    if h["version"] != version:
        _fail(f"header version {h['version']} differs from the file's version {version}")
    arrays: Dict[str, np.ndarray] = {}
    for a in h["manifest"]["arrays"]:
        buf = bytearray(a["byteLength"])
        o = 0
        for p in a["parts"]:
            b = r.read(p["size"], f"blob {p['key']}")
            if hashlib.sha256(b).hexdigest() != p["sha256"]:
                raise ArcadeLabError("corrupt", f"checkpoint file is corrupted: blob {p['key']} fails its SHA-256 check")
            b = _decode_blob(b, p)
            buf[o : o + len(b)] = b
            o += len(b)
        arrays[a["name"]] = np.frombuffer(bytes(buf), dtype=_DTYPES[a["dtype"]])
    if r.read(8, "the end marker") != TRAILER:
        _fail("end marker missing (file corrupted)")
    if f.read(1):
        _fail("unexpected data after the end marker")
    return h, arrays


def _conv_out(n: int, k: int, s: int) -> int:
    return (n - k) // s + 1


def _network_of(h: Dict[str, Any]) -> Dict[str, Any]:
    """The layout of the stored nets. Exports carry it (header "network"); for older files it
    is rebuilt when the config holds an explicit spec (presets are resolved only by the app)."""
    if isinstance(h.get("network"), dict):
        return h["network"]
    meta = h["manifest"]["meta"]
    net = meta["run"]["agent"]["network"]
    if not isinstance(net, dict):
        raise ArcadeLabError("incompatible", f"this file predates the header's network field and its config names the preset {net!r}: re-export it from a current Arcade Lab")
    g = meta["replayGeometry"]
    dueling = bool(meta["run"]["agent"].get("dueling"))
    out = meta["learner"]["names"].index("advantage/out/bias" if dueling else "q/out/bias")
    return {"spec": net, "input": {"height": g["frameHeight"], "width": g["frameWidth"], "channels": g["stackSize"]},
            "numActions": meta["learner"]["sizes"][out], "dueling": dueling}


def _tf_shapes(net: Dict[str, Any], names: List[str]) -> Dict[str, Tuple[int, ...]]:
    """tfjs shapes of every parameter (network.ts): conv kernels HWIO, dense kernels [in, out]."""
    spec, inp = net["spec"], net["input"]
    h, w, c = inp["height"], inp["width"], inp["channels"]
    shapes: Dict[str, Tuple[int, ...]] = {}
    for i, l in enumerate(spec["conv"]):
        shapes[f"conv{i}/kernel"] = (l["kernel"], l["kernel"], c, l["filters"])
        shapes[f"conv{i}/bias"] = (l["filters"],)
        h, w, c = _conv_out(h, l["kernel"], l["stride"]), _conv_out(w, l["kernel"], l["stride"]), l["filters"]
    flat = h * w * c
    streams = [("advantage", net["numActions"]), ("value", 1)] if net["dueling"] else [("q", net["numActions"])]
    for name, n_out in streams:
        nin = flat
        for j, units in enumerate(spec["hidden"]):
            shapes[f"{name}/dense{j}/kernel"] = (nin, units)
            shapes[f"{name}/dense{j}/bias"] = (units,)
            nin = units
        shapes[f"{name}/out/kernel"] = (nin, n_out)
        shapes[f"{name}/out/bias"] = (n_out,)
    if sorted(shapes) != sorted(names):
        raise ArcadeLabError("incompatible", f"stored parameters {names} do not match the network layout {list(shapes)}")
    return shapes


def _split(flat: np.ndarray, names: List[str], sizes: List[int], shapes: Dict[str, Tuple[int, ...]], what: str) -> "OrderedDict[str, np.ndarray]":
    if flat.size != sum(sizes):
        raise ArcadeLabError("incompatible", f"{what}: {flat.size} float32 values for {sum(sizes)} parameters")
    out: "OrderedDict[str, np.ndarray]" = OrderedDict()
    o = 0
    for n, s in zip(names, sizes):
        shape = shapes[n]
        if int(np.prod(shape)) != s:
            raise ArcadeLabError("incompatible", f"{what}: {n} has {s} values, its shape {shape} needs {int(np.prod(shape))}")
        out[n] = flat[o : o + s].reshape(shape)
        o += s
    return out


def _replay_of(meta: Dict[str, Any], arrays: Dict[str, np.ndarray]) -> Optional[Replay]:
    if meta.get("replay") is None or "replay/frames" not in arrays:
        return None
    g = meta["replayGeometry"]
    n, seg, H, W = g["numEnvs"], g["segmentCapacity"], g["frameHeight"], g["frameWidth"]
    totals = [int(t) for t in meta["replay"]["totals"]]
    if len(totals) != n:
        raise ArcadeLabError("format", f"replay totals list {len(totals)} envs, geometry {n}")
    fs = H * W
    env_rows = [min(t, seg) for t in totals]
    offsets = [int(x) for x in np.concatenate([[0], np.cumsum(env_rows)[:-1]])] if n else []
    filled = sum(env_rows)
    if meta["schema"] == 1:  # the whole capacity, physical order: keep each env's filled rows
        stored = n * seg
        keep = np.concatenate([np.arange(e * seg, e * seg + r) for e, r in enumerate(env_rows)]) if n else np.zeros(0, np.int64)
    elif meta["schema"] == 2:  # each env's filled rows, env after env
        stored, keep = filled, None
    else:
        # Schema 3: actions, rewards, flags, frames are segments back to back (FORMAT.md, "Replay
        # segments"); segment rows outside its live range are stale. Gather the live ones into
        # the schema-2 order (env e's physical row p at offsets[e] + p).
        stored = 0
        keep = np.full(filled, -1, np.int64)
        for sg in meta["replay"].get("segments") or []:
            e, first, rows = int(sg["env"]), int(sg["first"]), int(sg["rows"])
            lo, hi = int(sg["live"][0]), int(sg["live"][1])
            if not (0 <= e < n and first <= lo <= hi <= first + rows and first % seg + rows <= seg):
                raise ArcadeLabError("corrupt", f"replay segment {sg!r} is invalid")
            L = np.arange(lo, hi)
            keep[offsets[e] + L % seg] = stored + (L - first)
            stored += rows
        if (keep < 0).any():
            raise ArcadeLabError("corrupt", "replay segments do not cover every written row")
    per_row = {"replay/actions": 1, "replay/rewards": 1, "replay/flags": 1, "replay/frames": fs}
    if g.get("prioritized"):
        per_row["replay/priorities"] = 1
    for name, k in per_row.items():
        if name not in arrays:
            raise ArcadeLabError("format", f"replay array {name} missing")
        # Schema 3 saves priorities as schema 2 does (they change for old rows): filled rows.
        expect = filled if (name == "replay/priorities" and meta["schema"] == 3) else stored
        if arrays[name].size != expect * k:
            raise ArcadeLabError("corrupt", f"{name} holds {arrays[name].size // k} rows, expected {expect}")
    pick = (lambda a: a) if keep is None else (lambda a: a[keep])
    pick_p = pick if meta["schema"] != 3 else (lambda a: a)
    return Replay(
        num_envs=n, segment_capacity=seg, frame_height=H, frame_width=W, stack_size=g["stackSize"], totals=totals,
        max_priority=float(meta["replay"]["maxPriority"]),
        frames=pick(arrays["replay/frames"].reshape(-1, H, W)),
        actions=pick(arrays["replay/actions"]),
        rewards=pick(arrays["replay/rewards"]),
        flags=pick(arrays["replay/flags"]),
        priorities=pick_p(arrays["replay/priorities"]) if "replay/priorities" in arrays else None,
        env_offsets=offsets, env_rows=env_rows,
    )


def read_checkpoint(path_or_file) -> Checkpoint:
    """Reads and verifies a whole .arcadelab file (path or binary file object) into memory."""
    if hasattr(path_or_file, "read"):
        h, arrays = _read_container(path_or_file)
    else:
        with open(path_or_file, "rb") as f:
            h, arrays = _read_container(f)
    meta = h["manifest"]["meta"]
    run = meta["run"]
    if run.get("version") != 2:
        # The app migrates older configs on import (src/checkpoint/migrate.ts); this reader does not.
        raise ArcadeLabError("version", f"checkpoint config version {run.get('version')!r}: import the file into a current Arcade Lab and export it again")
    net = _network_of(h)
    names, sizes = meta["learner"]["names"], meta["learner"]["sizes"]
    shapes = _tf_shapes(net, names)
    weights = {k: _split(arrays[f"net/{k}"], names, sizes, shapes, f"net/{k}") for k in ("online", "target")}
    adam = None
    if meta["learner"].get("adam") and "adam/m" in arrays:
        a = meta["learner"]["adam"]
        adam = {"m": _split(arrays["adam/m"], names, sizes, shapes, "adam/m"), "v": _split(arrays["adam/v"], names, sizes, shapes, "adam/v"),
                "iterations": int(a["iterations"]), "beta1_power": float(a["accBeta1"]), "beta2_power": float(a["accBeta2"])}
    g = meta["replayGeometry"]
    stacks = arrays["agent/stacks"]
    per = g["stackSize"] * g["frameHeight"] * g["frameWidth"]
    if stacks.size != g["numEnvs"] * per:
        raise ArcadeLabError("corrupt", f"agent/stacks holds {stacks.size} bytes, expected {g['numEnvs'] * per}")
    env_states = [arrays[f"env/{i}"].tobytes() for i in range(int(meta.get("envStates", 0)))]
    metrics = json.loads(arrays["metrics"].tobytes().decode("utf-8")) if "metrics" in arrays else None
    return Checkpoint(
        header=h, meta=meta, config=run, counters=dict(h["manifest"]["counters"]), network=net, arrays=arrays,
        weights=weights, adam=adam,
        stacks=stacks.reshape(g["numEnvs"], g["stackSize"], g["frameHeight"], g["frameWidth"]),
        replay=_replay_of(meta, arrays),
        rng={k: np.asarray(meta["rng"][k], np.uint32) for k in ("agent", "eval")},
        env_states=env_states, metrics=metrics, eval_return=h["manifest"].get("evalReturn"),
    )


# ------------------------------------------------------------------ CleanRL QNetwork layout


def _flat_hwc(net: Dict[str, Any]) -> Tuple[int, int, int]:
    inp = net["input"]
    h, w, c = inp["height"], inp["width"], inp["channels"]
    for l in net["spec"]["conv"]:
        h, w, c = _conv_out(h, l["kernel"], l["stride"]), _conv_out(w, l["kernel"], l["stride"]), l["filters"]
    return h, w, c


def cleanrl_state_dict(ck_or_weights, network: Optional[Dict[str, Any]] = None, which: str = "online") -> "OrderedDict[str, np.ndarray]":
    """Weights under CleanRL dqn_atari.py QNetwork names, in PyTorch layouts (numpy, float32).

    ``nn.Sequential`` module index: conv i -> ``network.{2i}`` (OIHW), dense j after C convs ->
    ``network.{2C+1+2j}`` ([out, in]); the first dense's input columns go from our H,W,C flatten
    order to PyTorch's C,H,W. Same mapping as src/checkpoint/safetensors.ts. Pass a Checkpoint
    (``which`` = "online" / "target"), or our-layout weights plus their ``network``. Moments
    (``ck.adam["m"]``) convert the same way: ``cleanrl_state_dict(ck.adam["m"], ck.network)``.
    """
    if isinstance(ck_or_weights, Checkpoint):
        network = ck_or_weights.network
        w = ck_or_weights.weights[which]
    else:
        w = ck_or_weights
    if network is None:
        raise TypeError("cleanrl_state_dict: pass a Checkpoint, or weights and their network layout")
    if network["dueling"]:
        raise ArcadeLabError("incompatible", "CleanRL QNetwork has no dueling head")
    spec = network["spec"]
    C = len(spec["conv"])
    out: "OrderedDict[str, np.ndarray]" = OrderedDict()
    for i in range(C):
        out[f"network.{2 * i}.weight"] = np.ascontiguousarray(w[f"conv{i}/kernel"].transpose(3, 2, 0, 1), np.float32)
        out[f"network.{2 * i}.bias"] = np.ascontiguousarray(w[f"conv{i}/bias"], np.float32)
    h, wd, c = _flat_hwc(network)
    layers = [f"q/dense{j}" for j in range(len(spec["hidden"]))] + ["q/out"]
    for j, name in enumerate(layers):
        k = w[f"{name}/kernel"]  # [in, out]
        if j == 0 and C > 0:
            # rows in H,W,C order -> C,H,W order
            k = k.reshape(h, wd, c, -1).transpose(2, 0, 1, 3).reshape(h * wd * c, -1)
        idx = 2 * C + 1 + 2 * j
        out[f"network.{idx}.weight"] = np.ascontiguousarray(k.T, np.float32)
        out[f"network.{idx}.bias"] = np.ascontiguousarray(w[f"{name}/bias"], np.float32)
    return out


# ------------------------------------------------------------------ safetensors (numpy only)

_ST_DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8"), "F16": np.dtype("<f2"), "I64": np.dtype("<i8"), "I32": np.dtype("<i4"),
              "U8": np.dtype("u1"), "I8": np.dtype("i1"), "BOOL": np.dtype("?")}


def read_safetensors(path_or_bytes) -> Tuple["OrderedDict[str, np.ndarray]", Dict[str, str]]:
    """Any .safetensors file -> ({name: ndarray}, __metadata__). Offsets and sizes are checked."""
    data = path_or_bytes if isinstance(path_or_bytes, (bytes, bytearray)) else open(path_or_bytes, "rb").read()
    if len(data) < 8:
        raise ArcadeLabError("truncated", "not a valid .safetensors file: shorter than its 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n < 2 or 8 + n > len(data):
        raise ArcadeLabError("truncated", f"not a valid .safetensors file: header length {n} does not fit the file ({len(data)} bytes)")
    try:
        h = json.loads(data[8 : 8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ArcadeLabError("format", "not a valid .safetensors file: header is not JSON")
    body = memoryview(data)[8 + n :]
    meta = h.pop("__metadata__", {}) or {}
    out: "OrderedDict[str, np.ndarray]" = OrderedDict()
    for k, t in sorted(h.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        dt = _ST_DTYPES.get(t.get("dtype"))
        if dt is None:
            raise ArcadeLabError("format", f"{k}: dtype {t.get('dtype')!r} is not supported here")
        b, e = t["data_offsets"]
        if not (0 <= b <= e <= len(body)) or (e - b) != int(np.prod(t["shape"])) * dt.itemsize:
            raise ArcadeLabError("format", f"{k}: offsets [{b}, {e}] do not fit shape {t['shape']} {t['dtype']} in {len(body)} data bytes")
        out[k] = np.frombuffer(bytes(body[b:e]), dtype=dt).reshape(t["shape"])
    return out, meta


def write_safetensors(tensors: Dict[str, np.ndarray], path: Optional[str] = None, metadata: Optional[Dict[str, str]] = None) -> bytes:
    """{name: float32 ndarray (or torch tensor)} -> .safetensors bytes (and the file, if path is given).
    Header padded with spaces to 8-byte alignment, like the reference implementation."""
    inv = {np.dtype("<f4"): "F32", np.dtype("<f8"): "F64", np.dtype("<f2"): "F16", np.dtype("<i8"): "I64", np.dtype("<i4"): "I32", np.dtype("u1"): "U8"}
    header: Dict[str, Any] = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    off = 0
    for k, v in tensors.items():
        a = v.detach().cpu().numpy() if hasattr(v, "detach") else np.asarray(v)
        a = np.ascontiguousarray(a, a.dtype.newbyteorder("<"))
        if a.dtype not in inv:
            raise TypeError(f"write_safetensors: {k} has dtype {a.dtype}")
        b = a.tobytes()
        header[k] = {"dtype": inv[a.dtype], "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    js = json.dumps(header, separators=(",", ":")).encode("utf-8")
    js += b" " * ((8 - (8 + len(js)) % 8) % 8)
    out = struct.pack("<Q", len(js)) + js + b"".join(blobs)
    if path:
        with open(path, "wb") as f:
            f.write(out)
    return out


# ------------------------------------------------------------------ torch (only these import it)


def torch_q_network(ck_or_network, state_dict=None):
    """A torch module with CleanRL dqn_atari.py's QNetwork structure for this network spec
    (``self.network = nn.Sequential(Conv2d, ReLU, ..., Flatten, Linear, ReLU, ..., Linear)``,
    ``forward(x) = self.network(x / 255.0)``, x uint8/float NCHW), weights loaded strictly:
    from a Checkpoint's online net, or from ``state_dict`` (CleanRL names) with a layout dict."""
    import torch
    from torch import nn

    if isinstance(ck_or_network, Checkpoint):
        net = ck_or_network.network
        sd = cleanrl_state_dict(ck_or_network) if state_dict is None else state_dict
    else:
        net, sd = ck_or_network, state_dict
    spec, inp = net["spec"], net["input"]
    layers: List[Any] = []
    c = inp["channels"]
    for l in spec["conv"]:
        layers += [nn.Conv2d(c, l["filters"], l["kernel"], stride=l["stride"]), nn.ReLU()]
        c = l["filters"]
    h, w, c = _flat_hwc(net)
    layers.append(nn.Flatten())
    nin = h * w * c
    for units in spec["hidden"]:
        layers += [nn.Linear(nin, units), nn.ReLU()]
        nin = units
    layers.append(nn.Linear(nin, net["numActions"]))

    class QNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.network = nn.Sequential(*layers)

        def forward(self, x):
            return self.network(x / 255.0)

    m = QNetwork()
    if sd is not None:
        m.load_state_dict({k: torch.from_numpy(np.array(v, np.float32)) if not hasattr(v, "detach") else v for k, v in sd.items()}, strict=True)
    return m


def torch_load_adam(optimizer, ck: Checkpoint) -> None:
    """Puts the checkpoint's Adam moments and step count into a torch.optim.Adam over a
    torch_q_network(ck)'s (or CleanRL's q_network's) parameters, in their order. tfjs's Adam
    and torch's use the same moments (m, v) and bias correction (beta^t), so training goes on
    where it stopped; torch recomputes beta^t from the step count in float64 where tfjs kept a
    float32 running product (relative difference ~1e-7)."""
    import torch

    if ck.adam is None:
        raise ArcadeLabError("incompatible", "this checkpoint has no Adam state (saved before the first gradient step)")
    m = cleanrl_state_dict(ck.adam["m"], ck.network)
    v = cleanrl_state_dict(ck.adam["v"], ck.network)
    params = [p for g in optimizer.param_groups for p in g["params"]]
    if len(params) != len(m):
        raise ArcadeLabError("incompatible", f"optimizer has {len(params)} parameters, the checkpoint's network {len(m)}")
    for p, (name, mm), vv in zip(params, m.items(), v.values()):
        if tuple(p.shape) != mm.shape:
            raise ArcadeLabError("incompatible", f"parameter {name}: optimizer has shape {tuple(p.shape)}, checkpoint {mm.shape}")
        optimizer.state[p] = {
            "step": torch.tensor(float(ck.adam["iterations"])),
            "exp_avg": torch.from_numpy(mm.copy()).to(p.device),
            "exp_avg_sq": torch.from_numpy(vv.copy()).to(p.device),
        }
