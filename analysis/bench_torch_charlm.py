#!/usr/bin/env python3
"""PyTorch reference for `normscope bench train --model char-lm`: the character LM that
`normscope record --model char-lm --dataset devils-dictionary` trains with its default settings, one step at a time.

    python3 analysis/bench_torch_charlm.py [--threads 2] [--steps 200]     one line: the median and best step
    python3 analysis/bench_torch_charlm.py --serve [--threads 2]           the worker of `normscope bench train`

`bench train` passes every shape from the model it built (Sources/Training/Run/ModelFactory.swift from
RunConfiguration's defaults), so both sides train the same shapes; the defaults below are those same values.

What matches NormScope's model (Sources/Training/Models/Transformer.swift and TransformerBlock.swift):
- the vocabulary: the distinct bytes of the bundled Devil's Dictionary (85), as NormScope's TextLoader counts them
- a token embedding of width 64 drawn N(0, 1), plus learned positions (64 × 64, N(0, 1/64)); no tied output
- 2 pre-norm blocks, each x + Attn(LN(x)) then x + FFN(LN(x)); 4 heads of 16, causal, scores scaled by 1/√16,
  biases on the query, key, value and output projections; FFN 64 → 128 → 64 with ReLU
- dropout 0 (the default) on the embedding and on each sublayer's output; no attention dropout
- LayerNorm in every norm (biased variance, ε = 1e-5, gain and bias, as the `layernorm` preset), and a final
  LayerNorm after the last block, as pre-norm has
- an output Linear 64 → 85 with bias; softmax cross-entropy averaged over all 64 × 64 next-byte predictions
- Adam (lr 1e-3, β 0.9 / 0.999, ε 1e-8, no weight decay); no clipping (clip 0), but the global gradient norm is
  computed every step, as NormScope's trainer does for its step rows
- 64 sequences of 64 bytes per batch, one fixed batch for every step

What differs:
- nn.MultiheadAttention packs the query, key and value maps into one 64 → 192 product and draws them by Xavier
  with zero biases (NormScope: three 64 → 64 maps with nn.Linear's default draws); the same arithmetic
- attention runs through PyTorch's scaled_dot_product_attention with is_causal (it may pick a fused CPU kernel);
  NormScope makes one BLAS product per sequence and head
- the batch holds random byte ids; NormScope's is a window of the text (the step's cost does not depend on the ids)
- NormScope's norms compute the gradient-part statistics when it records; PyTorch's LayerNorm never does
"""
import argparse
import gzip
import os

from bench_torch_worker import gradient_norm, import_torch, one_shot, serve

torch = import_torch()

CORPUS = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "Sources", "Training", "Resources", "devils-dictionary.txt.gz")


def bundled_vocabulary():
    """The number of distinct bytes of the bundled corpus: NormScope's vocabulary for it."""
    with gzip.open(CORPUS, "rb") as file:
        return len(set(file.read()))


class CharLM(torch.nn.Module):
    def __init__(self, vocab, context, width, heads, layers, ffn, dropout, activation, pre_norm):
        super().__init__()
        self.token_embedding = torch.nn.Embedding(vocab, width)
        self.position_embedding = torch.nn.Parameter(torch.randn(context, width) / width ** 0.5)
        self.embedding_dropout = torch.nn.Dropout(dropout)
        self.blocks = torch.nn.ModuleList(
            torch.nn.TransformerEncoderLayer(
                width, heads, dim_feedforward=ffn, dropout=dropout, activation=activation, layer_norm_eps=1e-5,
                batch_first=True, norm_first=pre_norm)
            for _ in range(layers))
        # Pre-norm's closing norm; post-norm's last block already ends in one.
        self.final_norm = torch.nn.LayerNorm(width, eps=1e-5) if pre_norm else torch.nn.Identity()
        self.output = torch.nn.Linear(width, vocab)
        self.register_buffer("mask", torch.nn.Transformer.generate_square_subsequent_mask(context), persistent=False)

    def forward(self, ids):
        length = ids.shape[1]
        h = self.embedding_dropout(self.token_embedding(ids) + self.position_embedding[:length])
        for block in self.blocks:
            h = block(h, src_mask=self.mask[:length, :length], is_causal=True)
        return self.output(self.final_norm(h))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--vocab", type=int, help="vocabulary size (default: the bundled corpus's distinct bytes)")
    parser.add_argument("--context", type=int, default=64)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--ffn", type=int, default=128)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--activation", choices=["relu", "gelu"], default="relu")
    parser.add_argument("--placement", choices=["pre", "post"], default="pre")
    parser.add_argument("--serve", action="store_true", help="answer 'run N' lines on standard input")
    args = parser.parse_args()
    vocab = args.vocab or bundled_vocabulary()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = CharLM(
        vocab, args.context, args.width, args.heads, args.layers, args.ffn, args.dropout, args.activation,
        args.placement == "pre")
    model.train()
    parameters = list(model.parameters())
    optimizer = torch.optim.Adam(parameters, lr=args.lr)
    window = torch.randint(0, vocab, (args.batch, args.context + 1))
    inputs, targets = window[:, :-1], window[:, 1:].reshape(-1)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(inputs).reshape(-1, vocab), targets)
        loss.backward()
        gradient_norm(torch, parameters)
        optimizer.step()

    if args.serve:
        serve(
            step, torch,
            f"char-LM {args.layers} x {args.placement}-norm blocks of width {args.width} ({args.heads} heads, "
            f"ffn {args.ffn}), vocabulary {vocab}, batch {args.batch} x {args.context}, Adam")
    else:
        one_shot(step, torch, args.threads, args.steps)


if __name__ == "__main__":
    main()
