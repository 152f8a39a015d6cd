"""PyTorch anchor for `npm run bench:train`: Nature-DQN gradient steps/s on this CPU.

Same step as the learner's (src/agent/learner.ts, CleanRL's dqn_atari): batch 32 of 4x84x84
uint8 frames scaled by 1/255, Double DQN targets (online argmax on s', target net's value), MSE
loss, Adam (lr 1e-4, eps 1e-8 as torch's default; the learner's adam_eps differs only in the
constant). Prints one JSON line: {"torch": version, "threads": n, "steps_per_sec": x, "steps": k}.

  python3 tools/bench-train-torch.py [threads] [seconds]
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 15.0
torch.set_num_threads(threads)
torch.manual_seed(1)
ACTIONS, BATCH, GAMMA = 6, 32, 0.99


def nature() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(4, 32, 8, stride=4), nn.ReLU(),
        nn.Conv2d(32, 64, 4, stride=2), nn.ReLU(),
        nn.Conv2d(64, 64, 3, stride=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(3136, 512), nn.ReLU(), nn.Linear(512, ACTIONS))


online, target = nature(), nature()
target.load_state_dict(online.state_dict())
opt = torch.optim.Adam(online.parameters(), lr=1e-4)
frames = torch.randint(0, 256, (256, 4, 84, 84), dtype=torch.uint8)  # a small replay of stacks


def step() -> float:
    i = torch.randint(0, 256, (BATCH,))
    j = torch.randint(0, 256, (BATCH,))
    s, s2 = frames[i].float() / 255.0, frames[j].float() / 255.0
    a = torch.randint(0, ACTIONS, (BATCH,))
    r = torch.randn(BATCH)
    d = (torch.rand(BATCH) > 0.01).float()
    with torch.no_grad():
        a2 = online(s2).argmax(1, keepdim=True)
        y = r + GAMMA * d * target(s2).gather(1, a2).squeeze(1)
    q = online(s).gather(1, a.unsqueeze(1)).squeeze(1)
    loss = F.mse_loss(q, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


for _ in range(3):  # warm-up: allocator, oneDNN primitives
    step()
n, t0 = 0, time.perf_counter()
while time.perf_counter() - t0 < seconds or n < 3:
    step()
    n += 1
dt = time.perf_counter() - t0
print(json.dumps({"torch": torch.__version__, "threads": threads, "steps_per_sec": n / dt, "steps": n}))
