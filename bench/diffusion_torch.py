#!/usr/bin/env python3
"""PyTorch CPU peer of `codi4j bench diffusion`: diffusers' own UNet2DConditionModel and AutoencoderKL
(v0.27.2, imported read-only through tools/fixtures/diffusion_env.py; set DIFFUSERS_SRC) with the
stable-diffusion-2-1-unclip shapes and random weights, timed in PEERS.md's best configuration:
float32, channels-last, torch.inference_mode(), set_num_threads(N), warm-up before timing. The caller
sets the environment (OpenMP OpenBLAS, jemalloc, ATEN_CPU_CAPABILITY=avx512, no OPENBLAS_CORETYPE).

Batch mode prints progress lines and one line 'RESULT {json}' with seconds per UNet step (CFG batch 2)
per size, VAE decode seconds, and peak RSS (MiB). --serve mode (used by the Java bench to alternate the
two implementations round by round on a shared machine) reads commands from stdin — 'unet SIDE' or
'vae SIDE' — builds each model on first use, runs one forward per command and answers
'TIME <key> <seconds> <peak_rss_mib>'; 'quit' ends it.
Run: DIFFUSERS_SRC=/tmp/dref/src /usr/bin/python3 bench/diffusion_torch.py --threads 2 --sizes 512
"""
import argparse, json, os, resource, sys, time
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "fixtures"))
import diffusion_env

UNET = dict(sample_size=96, in_channels=4, out_channels=4, block_out_channels=(320, 640, 1280, 1280), layers_per_block=2,
            down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
            up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
            attention_head_dim=(5, 10, 20, 20), cross_attention_dim=1024, use_linear_projection=True, upcast_attention=True,
            class_embed_type="projection", projection_class_embeddings_input_dim=2048)
VAE = dict(block_out_channels=(128, 256, 512, 512), layers_per_block=2, latent_channels=4, norm_num_groups=32, sample_size=768,
           down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4)


def timed(fn, reps):
    fn()  # warm-up
    best = float("inf")
    for _ in range(max(reps, 1)):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def serve(diffusers):
    models, inputs = {}, {}
    def unet():
        if "unet" not in models:
            t0 = time.perf_counter()
            models["unet"] = diffusers.UNet2DConditionModel(**UNET).eval().to(memory_format=torch.channels_last)
            print(f"unet build {time.perf_counter() - t0:.1f} s", flush=True)
        return models["unet"]
    def vae():
        if "vae" not in models:
            models["vae"] = diffusers.AutoencoderKL(**VAE).eval().to(memory_format=torch.channels_last)
        return models["vae"]
    print("READY", flush=True)
    for line in sys.stdin:
        parts = line.split()
        if not parts or parts[0] == "quit":
            break
        kind, side = parts[0], int(parts[1])
        lat = side // 8
        with torch.inference_mode():
            if kind == "unet":
                m = unet()
                if ("unet", side) not in inputs:
                    inputs[("unet", side)] = (torch.randn(2, 4, lat, lat).to(memory_format=torch.channels_last), torch.randn(2, 77, 1024), torch.randn(2, 2048))
                x, ctx, cls = inputs[("unet", side)]
                t0 = time.perf_counter()
                m(x, torch.tensor([981.0]), encoder_hidden_states=ctx, class_labels=cls)
            else:
                if "unet" in models:
                    del models["unet"]
                m = vae()
                z = inputs.setdefault(("vae", side), torch.randn(1, 4, lat, lat).to(memory_format=torch.channels_last))
                t0 = time.perf_counter()
                m.decode(z)
            dt = time.perf_counter() - t0
        print(f"TIME {kind}_{side} {dt:.4f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--sizes", type=int, nargs="*", default=[768, 512])
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--vae-size", type=int, default=768)
    ap.add_argument("--serve", action="store_true")
    a = ap.parse_args()
    diffusers = diffusion_env.load()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    if a.serve:
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, diffusers {diffusers.__version__}", flush=True)
        serve(diffusers)
        return
    res = {}
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, diffusers {diffusers.__version__}, "
          f"capability {torch.backends.cpu.get_cpu_capability() if hasattr(torch.backends, 'cpu') else '?'}", flush=True)
    with torch.inference_mode():
        if a.sizes:
            t0 = time.perf_counter()
            unet = diffusers.UNet2DConditionModel(**UNET).eval().to(memory_format=torch.channels_last)
            print(f"unet build {time.perf_counter() - t0:.1f} s, {sum(p.numel() for p in unet.parameters()) / 1e6:.1f} M parameters", flush=True)
            for side in a.sizes:
                lat = side // 8
                x = torch.randn(2, 4, lat, lat).to(memory_format=torch.channels_last)
                ctx, cls = torch.randn(2, 77, 1024), torch.randn(2, 2048)
                t = torch.tensor([981.0])
                s = timed(lambda: unet(x, t, encoder_hidden_states=ctx, class_labels=cls), a.reps)
                res[f"unet_{side}"] = s
                print(f"unet step {side}² cfg batch 2: {s:.2f} s", flush=True)
            del unet
        if a.vae_size > 0:
            vae = diffusers.AutoencoderKL(**VAE).eval().to(memory_format=torch.channels_last)
            lat = a.vae_size // 8
            z = torch.randn(1, 4, lat, lat).to(memory_format=torch.channels_last)
            s = timed(lambda: vae.decode(z), a.reps)
            res[f"vae_{a.vae_size}"] = s
            print(f"vae decode {a.vae_size}²: {s:.2f} s", flush=True)
    res["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
