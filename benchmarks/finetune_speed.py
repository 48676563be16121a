"""How fast a ``train --embeddings finetune`` model's network reads comments: numpy (how a saved model
predicts, ``model/bert_numpy.py``) against torch (how ``fine_tune`` reads them), interleaved in one run.

The network's weights do not change its speed, so the pretrained backbone with a random head stands in for
a fine-tuned one. Comments: distinct SemEval-2016 sentences (English for MiniLM, Russian for e5) from
``../shared``. Prints comments per CPU-second of each, the ratio, and the largest probability difference.

Run: ``OMP_NUM_THREADS=1 python benchmarks/finetune_speed.py [--backbone minilm e5] [--n 256] [--rounds 3]``
(needs the 'embeddings' extra, and the 'teacher' extra for e5).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from semeval_data import data_dir  # noqa: E402


def measure(backbone: str, n: int, rounds: int) -> None:
    import torch

    from feedback_classifier.model.finetune import FineTunedEmbedder, _Network, _Predictor, predict

    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    lang = "ru" if backbone == "e5" else "en"
    texts = list(dict.fromkeys(pd.read_csv(data_dir() / f"restaurants_{lang}_train.csv")["text"]))[:n]
    torch.manual_seed(0)
    net = _Network(12, threads=None, pretrained=True, backbone=backbone)
    net.encoder.eval()
    net.round_to_half()
    numpy_net = _Predictor(net.weights(), backbone)
    max_length = FineTunedEmbedder().max_length
    cpu = {"numpy": [], "torch": []}
    def cold() -> None:  # e5's tokenizer keeps each text's pieces: every round reads the texts anew
        if backbone == "e5":
            from feedback_classifier.model import e5_network

            e5_network.tokenizer()._memo.clear()

    for _ in range(rounds):
        cold()
        start = time.process_time()
        ours = numpy_net(texts, max_length)
        cpu["numpy"].append(time.process_time() - start)
        cold()
        start = time.process_time()
        theirs = predict(net, texts, max_length, 64, torch)
        cpu["torch"].append(time.process_time() - start)
    best = {k: min(v) for k, v in cpu.items()}
    print(f"{backbone} ({lang}, {len(texts)} distinct sentences, best of {rounds}): numpy {len(texts) / best['numpy']:.0f} "
          f"comments per CPU-s, torch {len(texts) / best['torch']:.0f}; numpy takes {best['numpy'] / best['torch']:.2f}x "
          f"torch's CPU time; max |numpy - torch| probability {np.abs(ours - theirs).max():.1e}", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backbone", nargs="+", default=["minilm", "e5"], choices=["minilm", "e5"])
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(int(os.environ["OMP_NUM_THREADS"])):
        for backbone in args.backbone:
            measure(backbone, args.n, args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
