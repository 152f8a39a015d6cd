"""Tests of arcadelab.py against checkpoints exported by our own code (make_fixture.ts).

    npx tsx tools/python/make_fixture.ts /tmp/fx && ARCADELAB_FIXTURES=/tmp/fx python3 tools/python/test_arcadelab.py

tools/run-all-tests.mjs runs both (suite "python"). The last line is ``python: N passed, M failed``.
Expected values come from the live agent (make_fixture.ts dumps agent.getState() and its sampler's
transitions), not from the checkpoint writer, so the reader is checked against what the agent holds.
"""
import hashlib
import io
import json
import os
import struct
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import arcadelab  # noqa: E402

FX = os.environ.get("ARCADELAB_FIXTURES", "")
EXPECTED = json.load(open(os.path.join(FX, "expected.json"))) if FX else None


def raw(name):
    with open(os.path.join(FX, name), "rb") as f:
        return f.read()


_cache = {}


def ck(which):
    if which not in _cache:
        _cache[which] = arcadelab.read_checkpoint(os.path.join(FX, EXPECTED[which]["file"]))
    return _cache[which]


def cleanrl_qnetwork_class(n_actions):
    """CleanRL dqn_atari.py's QNetwork, verbatim but for envs.single_action_space.n."""
    from torch import nn

    class QNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.network = nn.Sequential(
                nn.Conv2d(4, 32, 8, stride=4),
                nn.ReLU(),
                nn.Conv2d(32, 64, 4, stride=2),
                nn.ReLU(),
                nn.Conv2d(64, 64, 3, stride=1),
                nn.ReLU(),
                nn.Flatten(),
                nn.Linear(3136, 512),
                nn.ReLU(),
                nn.Linear(512, n_actions),
            )

        def forward(self, x):
            return self.network(x / 255.0)

    return QNetwork()


class ReadCheckpoint(unittest.TestCase):
    def test_config_counters_rng_metrics_as_saved(self):
        for name in ("small", "nature"):
            e, c = EXPECTED[name], ck(name)
            self.assertEqual(c.config, e["config"])
            self.assertEqual(c.counters, e["counters"])
            self.assertEqual(c.rng["agent"].tolist(), e["rng"]["agent"])
            self.assertEqual(c.rng["eval"].tolist(), e["rng"]["eval"])
            self.assertEqual(c.rng["agent"].dtype, np.uint32)
            self.assertEqual(c.metrics, e["metrics"])
            self.assertEqual(c.eval_return, e["evalReturn"])
            self.assertEqual(c.config["agent"]["gamma"], e["gamma"])

    def test_weights_and_adam_moments_bit_exact_with_tfjs_shapes(self):
        for name in ("small", "nature"):
            e, c = EXPECTED[name], ck(name)
            self.assertEqual(list(c.weights["online"]), e["names"])
            self.assertEqual([list(v.shape) for v in c.weights["online"].values()], e["tfShapes"])
            for which in ("online", "target"):
                got = b"".join(v.astype("<f4").tobytes() for v in c.weights[which].values())
                self.assertEqual(got, raw(e["bin"][which]), which)
            if e["adam"] is None:
                self.assertIsNone(c.adam)
                continue
            self.assertEqual(c.adam["iterations"], e["adam"]["iterations"])
            self.assertEqual(c.adam["beta1_power"], e["adam"]["accBeta1"])
            self.assertEqual(c.adam["beta2_power"], e["adam"]["accBeta2"])
            for k in ("m", "v"):
                got = b"".join(v.tobytes() for v in c.adam[k].values())
                self.assertEqual(got, raw(e["bin"][f"adam_{k}"]), k)
        self.assertIsNotNone(ck("small").adam, "the small agent trained: it has Adam moments")

    def test_replay_arrays_byte_for_byte(self):
        for name in ("small", "nature"):
            e, r = EXPECTED[name], ck(name).replay
            self.assertEqual(r.totals, e["replay"]["totals"])
            self.assertEqual(r.segment_capacity, e["replay"]["segmentCapacity"])
            p = r.physical()
            self.assertEqual(p["frames"].tobytes(), raw(e["bin"]["replay_frames"]))
            self.assertEqual(p["actions"].tobytes(), raw(e["bin"]["replay_actions"]))
            self.assertEqual(p["rewards"].astype("<f4").tobytes(), raw(e["bin"]["replay_rewards"]))
            self.assertEqual(p["flags"].tobytes(), raw(e["bin"]["replay_flags"]))
            self.assertEqual(r.frames.dtype, np.uint8)
            self.assertEqual(r.frames.shape[1:], (e["replay"]["frameHeight"], e["replay"]["frameWidth"]))
        small = ck("small").replay
        self.assertTrue(all(t > small.segment_capacity for t in small.totals), "fixture meant to wrap both rings")

    def test_transitions_match_the_agents_own_sampler(self):
        for name in ("small", "nature"):
            e, r = EXPECTED[name], ck(name).replay
            t = r.transitions()
            n, S, H, W = e["transitions"], e["stack"], e["replay"]["frameHeight"], e["replay"]["frameWidth"]
            self.assertEqual(t["obs"].shape, (n, S, H, W))
            self.assertEqual(t["obs"].tobytes(), raw(e["bin"]["tr_obs"]))
            self.assertEqual(t["next_obs"].tobytes(), raw(e["bin"]["tr_next_obs"]))
            self.assertEqual(t["actions"].astype(np.uint8).tobytes(), raw(e["bin"]["tr_actions"]))
            self.assertEqual(t["env"].astype(np.uint8).tobytes(), raw(e["bin"]["tr_env"]))
            # 1-step: the return is the row's reward; discount 0 exactly when terminated.
            self.assertEqual(t["rewards"].astype("<f4").tobytes(), raw(e["bin"]["tr_rewards"]))
            disc = np.frombuffer(raw(e["bin"]["tr_discounts"]), "<f4")
            np.testing.assert_array_equal(t["dones"] == 1, disc == 0)
        self.assertGreater(ck("small").replay.transitions()["dones"].sum(), 0, "fixture has terminations")

    def test_acting_stacks_and_env_states_opaque_bytes(self):
        for name in ("small", "nature"):
            e, c = EXPECTED[name], ck(name)
            self.assertEqual(c.stacks.tobytes(), raw(e["bin"]["stacks"]))
            self.assertEqual(c.stacks.shape[:2], (len(e["replay"]["totals"]), e["stack"]))
            self.assertEqual(c.env_states, [raw(f) for f in e["envStates"]])
            self.assertIsInstance(c.env_states[0], bytes)


class Integrity(unittest.TestCase):
    def setUp(self):
        self.good = raw(EXPECTED["small"]["file"])

    def refuse(self, b, code, pattern):  # noqa: D401
        with self.assertRaises(arcadelab.ArcadeLabError) as cm:
            arcadelab.read_checkpoint(io.BytesIO(bytes(b)))
        self.assertEqual(cm.exception.code, code, str(cm.exception))
        self.assertRegex(str(cm.exception), pattern)

    def test_compressed_blobs_and_an_old_uncompressed_version_1_file_read_the_same(self):
        h, blobs = _split_file(self.good)
        self.assertEqual(h["version"], 2)
        codecs = {(p.get("codec"), p.get("filter")) for a in h["manifest"]["arrays"] for p in a["parts"]}
        self.assertIn(("deflate-raw", None), codecs)  # u8 arrays compressed, floats raw
        self.assertIn((None, None), codecs)
        # 84x84 frames (a multiple of 4 bytes) go through the xor-sparse32 filter; 9x7 ones cannot.
        hn, _ = _split_file(raw(EXPECTED["nature"]["file"]))
        frames = next(a for a in hn["manifest"]["arrays"] if a["name"] == "replay/frames")
        self.assertTrue(all(p.get("filter") == "xor-sparse32" and p.get("stride") == 84 * 84 for p in frames["parts"]))
        v1 = _as_version_1(h, blobs)
        new, old = arcadelab.read_checkpoint(io.BytesIO(self.good)), arcadelab.read_checkpoint(io.BytesIO(v1))
        self.assertEqual(old.counters, new.counters)
        np.testing.assert_array_equal(old.replay.frames, new.replay.frames)
        np.testing.assert_array_equal(old.stacks, new.stacks)
        for k in new.weights["online"]:
            np.testing.assert_array_equal(old.weights["online"][k], new.weights["online"][k])
        # A version 1 file may not carry a codec.
        b = bytearray(self.good)
        b[8] = 1
        with self.assertRaises(arcadelab.ArcadeLabError):
            arcadelab.read_checkpoint(io.BytesIO(bytes(b)))

    def test_flipped_byte_in_a_blob_fails_its_checksum(self):
        b = bytearray(self.good)
        b[len(b) - 200] ^= 1
        self.refuse(b, "corrupt", r"blob .* SHA-256")

    def test_flipped_byte_in_the_header_fails_its_checksum(self):
        b = bytearray(self.good)
        b[40] ^= 1
        self.refuse(b, "corrupt", "header fails its SHA-256")

    def test_truncated_files(self):
        for n in (0, 5, 20, len(self.good) // 2, len(self.good) - 3):
            self.refuse(self.good[:n], "truncated", "truncated")

    def test_wrong_signature_version_trailing_bytes(self):
        self.refuse(b"NOTACKPT" + self.good[8:], "format", "signature")
        b = bytearray(self.good)
        b[8] = 3
        self.refuse(b, "version", "version 3")
        self.refuse(self.good + b"x", "format", "after the end marker")
        b = bytearray(self.good)
        b[-1] ^= 1
        self.refuse(b, "format", "end marker")


class QValuesInTorch(unittest.TestCase):
    """Q-values in torch from CleanRL-layout weights equal ours (tfjs) within 1e-5."""

    def q_ref(self, name):
        e = EXPECTED[name]
        S, H, W = e["stack"], e["replay"]["frameHeight"], e["replay"]["frameWidth"]
        x = np.frombuffer(raw(e["bin"]["q_in"]), np.uint8).reshape(e["q"]["batch"], S, H, W)
        return x, np.asarray(e["q"]["values"], np.float32).reshape(e["q"]["batch"], e["actions"])

    def assertClose(self, got, want):
        err = float(np.abs(got - want).max())
        self.assertLess(err, 1e-5, f"max |dQ| = {err}")

    def test_nature_net_in_cleanrls_own_qnetwork_class(self):
        import torch

        c = ck("nature")
        sd = arcadelab.cleanrl_state_dict(c)
        net = cleanrl_qnetwork_class(c.network["numActions"])
        net.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in sd.items()}, strict=True)
        x, want = self.q_ref("nature")
        with torch.no_grad():
            got = net(torch.from_numpy(x.copy()).float()).numpy()
        self.assertClose(got, want)

    def test_custom_net_strided_non_square(self):
        import torch

        c = ck("small")
        net = arcadelab.torch_q_network(c)
        x, want = self.q_ref("small")
        with torch.no_grad():
            got = net(torch.from_numpy(x.copy()).float()).numpy()
        self.assertClose(got, want)

    def test_the_pages_safetensors_export_gives_the_same_net(self):
        import torch

        for name in ("small", "nature"):
            c = ck(name)
            tensors, meta = arcadelab.read_safetensors(os.path.join(FX, EXPECTED[name]["safetensors"]))
            self.assertEqual(meta.get("format"), "pt")
            sd = arcadelab.cleanrl_state_dict(c)
            self.assertEqual(list(sorted(tensors)), list(sorted(sd)))
            for k in sd:
                self.assertEqual(tensors[k].tobytes(), sd[k].tobytes(), k)
            net = arcadelab.torch_q_network(c.network, tensors)
            x, want = self.q_ref(name)
            with torch.no_grad():
                self.assertClose(net(torch.from_numpy(x.copy()).float()).numpy(), want)

    def test_write_safetensors_round_trip(self):
        c = ck("small")
        sd = arcadelab.cleanrl_state_dict(c)
        b = arcadelab.write_safetensors(sd, metadata={"game": "x"})
        self.assertEqual((8 + int.from_bytes(b[:8], "little")) % 8, 0)
        back, meta = arcadelab.read_safetensors(b)
        self.assertEqual(meta, {"game": "x"})
        for k in sd:
            self.assertEqual(back[k].tobytes(), sd[k].tobytes())
        with self.assertRaises(arcadelab.ArcadeLabError):
            arcadelab.read_safetensors(b[:-4])

    def test_adam_state_goes_into_torch_adam(self):
        import torch

        c = ck("small")
        net = arcadelab.torch_q_network(c)
        opt = torch.optim.Adam(net.parameters(), lr=c.config["agent"]["learning_rate"], eps=c.config["agent"]["adam_eps"])
        arcadelab.torch_load_adam(opt, c)
        m = arcadelab.cleanrl_state_dict(c.adam["m"], c.network)
        for (name, p), (cleanrl_name, mm) in zip(net.named_parameters(), m.items()):
            self.assertEqual(name, cleanrl_name)
            np.testing.assert_array_equal(opt.state[p]["exp_avg"].numpy(), mm)
            self.assertEqual(float(opt.state[p]["step"]), c.adam["iterations"])
        # One step runs (the state has every field torch's Adam needs).
        loss = net(torch.zeros(1, 4, 9, 7)).sum()
        loss.backward()
        opt.step()


def _split_file(b):
    """A .arcadelab file -> (header dict, [stored blob bytes in file order])."""
    hl = struct.unpack("<I", b[12:16])[0]
    h = json.loads(b[16 : 16 + hl])
    o, blobs = 16 + hl + 32, []
    for a in h["manifest"]["arrays"]:
        for p in a["parts"]:
            blobs.append(b[o : o + p["size"]])
            o += p["size"]
    return h, blobs


def _as_version_1(h, blobs):
    """The same checkpoint as the version-1 exporter wrote it: every blob raw, no codec fields."""
    h = json.loads(json.dumps(h))
    h["version"] = 1
    raw, i = [], 0
    for a in h["manifest"]["arrays"]:
        for p in a["parts"]:
            r = arcadelab._decode_blob(blobs[i], p)
            i += 1
            for k in ("codec", "filter", "stride", "rawSize"):
                p.pop(k, None)
            p["size"], p["sha256"] = len(r), hashlib.sha256(r).hexdigest()
            raw.append(r)
    h["blobBytes"] = h["manifest"]["totalBytes"] = sum(len(r) for r in raw)
    hb = json.dumps(h).encode()
    return b"ARCLABCK" + struct.pack("<II", 1, len(hb)) + hb + hashlib.sha256(hb).digest() + b"".join(raw) + b"ARCLABOK"


if __name__ == "__main__":
    if not FX:
        print("ARCADELAB_FIXTURES is not set: run `npx tsx tools/python/make_fixture.ts DIR` and set it to DIR")
        print("python: 0 passed, 1 failed")
        sys.exit(1)
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    res = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
    print(f"python: {res.testsRun - failed - len(res.skipped)} passed, {failed} failed")
    sys.exit(0 if failed == 0 and res.testsRun > 0 else 1)
