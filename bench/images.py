"""Driver for bench/images.sh: times Broadsheet's pipeline and libvips on one core, checks size
and fidelity, and prints the table. Run through bench/images.sh, which prepares everything."""

import argparse
import json
import os
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pyvips
from PIL import Image
from skimage.metrics import structural_similarity
from skimage.transform import resize

CASES = [(700, "jpeg", 82), (1400, "jpeg", 82), (700, "webp", 80), (1400, "webp", 80)]


def luma(rgb):
    rgb = np.asarray(rgb, dtype=np.float64)
    return 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]


def reference(path, size, cache={}):
    """The source downscaled in floating point, antialiased: what a perfect resizer makes."""
    key = (path, size)
    if key not in cache:
        source = np.asarray(Image.open(path).convert("RGB"), dtype=np.float64)
        scaled = resize(source, (size[1], size[0]), order=3, anti_aliasing=True, preserve_range=True)
        cache[key] = luma(scaled)
    return cache[key]


def image_bytes(path):
    """A file's size; for WebP only its image chunks, because libvips 8.14 copies the source's EXIF
    into WebP even when told to strip it, and that is not what is being compared."""
    data = path.read_bytes()
    if data[8:12] != b"WEBP":
        return len(data)
    total, at = 12, 12
    while at + 8 <= len(data):
        name, size = data[at:at + 4], int.from_bytes(data[at + 4:at + 8], "little")
        if name in (b"VP8 ", b"VP8L", b"ALPH", b"VP8X"):
            total += 8 + size + (size & 1)
        at += 8 + size + (size & 1)
    return total


def ssim_and_bytes(sources, out_dir, extension):
    scores, total = [], 0
    for source in sources:
        produced = out_dir / f"{source.stem}.{extension}"
        total += image_bytes(produced)
        image = Image.open(produced).convert("RGB")
        scores.append(structural_similarity(reference(source, image.size), luma(image), data_range=255))
    return statistics.mean(scores), total


def broadsheet(harness, sources, width, fmt, quality, out_dir):
    """One timed round of Broadsheet's pipeline (after its own warm-up round), ms per image."""
    result = subprocess.run(
        [harness, str(width), fmt, str(quality), "1", str(out_dir), *map(str, sources)],
        check=True, capture_output=True, text=True,
    )
    return json.loads(result.stdout)["cpu_ms_per_image"]


def libvips_in_process(data, width, fmt, quality, out_dir):
    """One round of pyvips' thumbnail_buffer (what imgproxy runs), ms per image."""
    suffix = f".{'jpg' if fmt == 'jpeg' else fmt}[Q={quality},strip]"
    outputs = []
    start = time.process_time()
    for stem, blob in data:
        image = pyvips.Image.thumbnail_buffer(blob, width, height=100_000, size="down")
        outputs.append((stem, image.write_to_buffer(suffix)))
    elapsed = (time.process_time() - start) * 1000 / len(data)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stem, blob in outputs:
        (out_dir / f"{stem}.{fmt}").write_bytes(blob)
    return elapsed


def vipsthumbnail_batch(sources, width, fmt, quality, out_dir):
    """One `vipsthumbnail` process over the whole batch, ms of its CPU per image."""
    out_dir.mkdir(parents=True, exist_ok=True)
    extension = "jpg" if fmt == "jpeg" else fmt
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        ["vipsthumbnail", "--size", f"{width}x", "-o", f"{out_dir}/%s.{extension}[Q={quality},strip]",
         *map(str, sources)],
        check=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    for produced in out_dir.glob(f"*.{extension}"):
        if extension != fmt:
            produced.rename(out_dir / f"{produced.stem}.{fmt}")
    return cpu * 1000 / len(sources)


def interleaved(rounds, runners):
    """Runs each tool once per round, in turn, so drifting load on a shared machine hits all
    alike; returns each tool's ms per image, round by round."""
    times = {name: [] for name in runners}
    for _ in range(rounds):
        for name, run in runners.items():
            times[name].append(run())
    return times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--harness", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    work = Path(args.work)
    corpus = sorted((work / "src").glob("*.jpg"))
    large = sorted((work / "large").glob("*.jpg"))
    print(f"pinned to CPU {sorted(os.sched_getaffinity(0))}, {len(corpus)} photographs, "
          f"{args.rounds} rounds, libvips {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}")
    header = f"{'case':<14}{'tool':<22}{'ms/img':>8}{'img/s':>8}{'vs libvips':>12}{'bytes':>11}{'SSIM-Y':>9}"
    ratios = {}
    data = [(s.stem, s.read_bytes()) for s in corpus]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for width, fmt, quality in CASES:
            print()
            print(header)
            case = f"w{width} {fmt} q{quality}"
            dirs = {"broadsheet": tmp / "bs", "libvips in-process": tmp / "vips", "vipsthumbnail batch": tmp / "cli"}
            libvips_in_process(data, width, fmt, quality, dirs["libvips in-process"])  # warm-up
            times = interleaved(args.rounds, {
                "broadsheet": lambda: broadsheet(args.harness, corpus, width, fmt, quality, dirs["broadsheet"]),
                "libvips in-process": lambda: libvips_in_process(data, width, fmt, quality, dirs["libvips in-process"]),
                "vipsthumbnail batch": lambda: vipsthumbnail_batch(corpus, width, fmt, quality, dirs["vipsthumbnail batch"]),
            })
            anchor = times["libvips in-process"]
            ratio = statistics.median(a / b for a, b in zip(anchor, times["broadsheet"]))
            quality_of = {tool: ssim_and_bytes(corpus, path, fmt) for tool, path in dirs.items()}
            for tool, series in times.items():
                ms = statistics.median(series)
                tool_ratio = statistics.median(a / b for a, b in zip(anchor, series))
                ssim, size = quality_of[tool]
                print(f"{case:<14}{tool:<22}{ms:>8.1f}{1000 / ms:>8.1f}{tool_ratio:>11.2f}x{size:>11}{ssim:>9.4f}")
            ours_ssim, ours_bytes = quality_of["broadsheet"]
            vips_ssim, vips_bytes = quality_of["libvips in-process"]
            fair = ours_ssim >= vips_ssim and abs(ours_bytes / vips_bytes - 1) <= 0.03
            ratios[(width, fmt)] = ratio if fair else 0.0
            verdict = "counts" if fair else "does NOT count: SSIM below libvips or bytes off by more than 3 %"
            print(f"{case:<14}ratio {ratio:.2f}x (median of per-round ratios), {verdict}")
            for path in dirs.values():
                for f in path.glob("*"):
                    f.unlink()

        if large:
            print()
            print(f"stress set: {len(large)} photographs of 10-20 MP, width 700 JPEG q82")
            big = [(s.stem, s.read_bytes()) for s in large]
            times = interleaved(max(3, args.rounds // 2), {
                "broadsheet": lambda: broadsheet(args.harness, large, 700, "jpeg", 82, tmp / "bs"),
                "libvips": lambda: libvips_in_process(big, 700, "jpeg", 82, tmp / "vips"),
            })
            ours, vips = statistics.median(times["broadsheet"]), statistics.median(times["libvips"])
            ratio = statistics.median(a / b for a, b in zip(times["libvips"], times["broadsheet"]))
            print(f"  broadsheet {ours:.1f} ms/img (target <= 55), libvips in-process {vips:.1f} ms/img, "
                  f"ratio {ratio:.2f}x")

        avif = broadsheet(args.harness, corpus, 700, "avif", 81, tmp / "avif")
        avif_bytes = sum(f.stat().st_size for f in (tmp / "avif").glob("*"))
        print()
        print(f"AVIF w700 (rendered once per variant, then cached): {avif:.0f} ms/img CPU, {avif_bytes} bytes")

    print()
    print(f"jpeg_w1400_vs_libvips={ratios[(1400, 'jpeg')]:.2f}")
    print(f"webp_w700_vs_libvips={ratios[(700, 'webp')]:.2f}")
    print(f"webp_w1400_vs_libvips={ratios[(1400, 'webp')]:.2f}")
    print(f"images_vs_libvips={ratios[(700, 'jpeg')]:.2f}")


if __name__ == "__main__":
    main()
