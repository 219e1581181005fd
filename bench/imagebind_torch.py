#!/usr/bin/env python3
"""PyTorch CPU peer for `codi4j bench imagebind`: ImageBind-huge's vision tower (ViT-H/14 over a 2-frame
Conv3d stem, 257 tokens, 32 blocks of 1280) and audio tower (Conv2d 16/10 stem + LayerNorm, 229 tokens,
12 blocks of 768 with add_bias_kv) at real size on random weights, written here in plain PyTorch with the
same modules the official code uses (nn.Conv3d/Conv2d, nn.LayerNorm, nn.MultiheadAttention in (L, B, D)
layout, nn.Linear, nn.GELU), so the timings are what PyTorch CPU spends on the official model.

Prints one JSON line: {"torch": version, "threads": n, "vision": {"batch", "seconds"}, "audio": {...}}.
With --serve it builds and warms both towers, prints {"ready": ...}, then for every stdin line "vision" or
"audio" runs one forward and prints its seconds, so the Java bench can alternate the two sides round by
round (a shared machine's load then hits both alike).
Run it the way PEERS.md says PyTorch is at its best (the Java bench does this for you):
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
      LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1 \
      ATEN_CPU_CAPABILITY=avx512 /usr/bin/python3 bench/imagebind_torch.py --threads 2 --images 1 --clips 3
"""
import argparse, json, time

import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, d, heads, bias_kv):
        super().__init__()
        self.norm_1 = nn.LayerNorm(d, eps=1e-6)
        self.attn = nn.MultiheadAttention(d, heads, bias=True, add_bias_kv=bias_kv)
        self.norm_2 = nn.LayerNorm(d, eps=1e-6)
        self.fc1, self.act, self.fc2 = nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d)

    def forward(self, x):  # (L, B, D)
        h = self.norm_1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.fc2(self.act(self.fc1(self.norm_2(x))))


class Tower(nn.Module):
    def __init__(self, stem, stem_norm, tokens, d, blocks, heads, bias_kv, pre_ln, out=1024):
        super().__init__()
        self.stem, self.stem_norm = stem, stem_norm
        self.cls = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.pos = nn.Parameter(torch.randn(1, tokens, d) * 0.02)
        self.pre = nn.LayerNorm(d, eps=1e-6) if pre_ln else nn.Identity()
        self.blocks = nn.Sequential(*[Block(d, heads, bias_kv) for _ in range(blocks)])
        self.head_norm, self.head = nn.LayerNorm(d, eps=1e-6), nn.Linear(d, out, bias=False)

    def forward(self, x):
        x = self.stem(x).flatten(2).transpose(1, 2)
        x = self.stem_norm(x)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        x = self.blocks(self.pre(x).transpose(0, 1)).transpose(0, 1)
        return nn.functional.normalize(self.head(self.head_norm(x[:, 0])), dim=-1)


class Repeat2(nn.Module):
    def forward(self, x):  # PadIm2Video(repeat, 2)
        return x.unsqueeze(2).repeat(1, 1, 2, 1, 1)


def timed(model, x, reps):
    with torch.inference_mode():
        model(x)  # warm-up
        model(x)
        best = float("inf")
        for _ in range(reps):
            t0 = time.perf_counter()
            model(x)
            best = min(best, time.perf_counter() - t0)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--images", type=int, default=1)
    ap.add_argument("--clips", type=int, default=3)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--serve", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    vision = Tower(nn.Sequential(Repeat2(), nn.Conv3d(3, 1280, (2, 14, 14), stride=(2, 14, 14), bias=False)), nn.Identity(),
                   257, 1280, 32, 16, False, True).eval()
    audio = Tower(nn.Conv2d(1, 768, 16, stride=10, bias=False), nn.LayerNorm(768), 229, 768, 12, 12, True, False).eval()
    res = {"torch": torch.__version__, "threads": torch.get_num_threads(), "capability": torch.backends.cpu.get_cpu_capability()
           if hasattr(torch.backends, "cpu") else "?"}
    inputs = {"vision": (vision, torch.randn(a.images, 3, 224, 224)), "audio": (audio, torch.randn(a.clips, 1, 128, 204))}
    if a.serve:
        import sys
        for m, x in inputs.values():
            timed(m, x, 0)
        res["ready"] = True
        print(json.dumps(res), flush=True)
        for line in sys.stdin:
            name = line.strip()
            if not name:
                break
            m, x = inputs[name]
            with torch.inference_mode():
                t0 = time.perf_counter()
                m(x)
                print(time.perf_counter() - t0, flush=True)
        return
    res["vision"] = {"batch": a.images, "seconds": timed(*inputs["vision"], a.reps)}
    res["audio"] = {"batch": a.clips, "seconds": timed(*inputs["audio"], a.reps)}
    print(json.dumps(res))


if __name__ == "__main__":
    main()
