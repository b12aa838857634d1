"""Tiny random-weight language models for the prompt upscaler tests, built offline: a GPT-2
causal LM (magicprompt) and a MarianMT translation model saved in the Hugging Face cache layout
under the name the translate upscaler asks for."""

from __future__ import annotations

import json
import os

CORPUS = ["a cat sitting on a bench in a park", "a dog running on the beach at sunset",
          "ein hund läuft am strand", "eine katze sitzt auf einer bank", "a red car",
          "photo of a house in the mountains, highly detailed, cinematic lighting"] * 20


def _bpe_tokenizer(folder: str):
    """A byte-level BPE tokenizer trained on ``CORPUS``, saved in ``folder``."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast

    os.makedirs(folder, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(CORPUS, vocab_size=400, min_frequency=1,
                            special_tokens=["<|endoftext|>"], show_progress=False)
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, eos_token="<|endoftext|>",
                                  bos_token="<|endoftext|>", unk_token="<|endoftext|>")
    tok.save_pretrained(folder)
    return tok


def build_phi3(folder: str) -> str:
    """A 2-layer Phi-3 causal LM (the architecture of the Phi-3 mini the corpus names) with the
    same tokenizer, saved with save_pretrained."""
    import torch
    from transformers import Phi3Config, Phi3ForCausalLM

    tok = _bpe_tokenizer(folder)
    torch.manual_seed(0)
    config = Phi3Config(vocab_size=len(tok), hidden_size=32, intermediate_size=64,
                        num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=2,
                        max_position_embeddings=256, bos_token_id=tok.eos_token_id,
                        eos_token_id=tok.eos_token_id, pad_token_id=tok.eos_token_id)
    Phi3ForCausalLM(config).save_pretrained(folder)
    return folder


def build_gpt2(folder: str) -> str:
    """A 2-layer GPT-2 with a byte-level BPE tokenizer, saved with save_pretrained."""
    from transformers import GPT2Config, GPT2LMHeadModel

    tok = _bpe_tokenizer(folder)
    import torch

    torch.manual_seed(0)
    config = GPT2Config(vocab_size=len(tok), n_positions=256, n_embd=32, n_layer=2, n_head=2,
                        bos_token_id=tok.eos_token_id, eos_token_id=tok.eos_token_id)
    GPT2LMHeadModel(config).save_pretrained(folder)
    return folder


def _spm(folder: str, name: str) -> str:
    import sentencepiece as spm

    corpus = os.path.join(folder, "corpus.txt")
    with open(corpus, "w", encoding="utf-8") as f:
        f.write("\n".join(CORPUS))
    prefix = os.path.join(folder, name)
    spm.SentencePieceTrainer.train(input=corpus, model_prefix=prefix, vocab_size=80,
                                   model_type="unigram", character_coverage=1.0,
                                   hard_vocab_limit=False, unk_id=1, bos_id=-1, eos_id=0,
                                   pad_id=-1, unk_piece="<unk>", eos_piece="</s>",
                                   minloglevel=2)
    return prefix + ".model"


def build_marian_in_cache(hub_cache: str, source: str, target: str) -> str:
    """A tiny MarianMT model saved as ``Helsinki-NLP/opus-mt-SOURCE-TARGET`` in the hub cache
    layout under ``hub_cache`` (what from_pretrained finds offline)."""
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel

    repo = f"models--Helsinki-NLP--opus-mt-{source}-{target}"
    snapshot = os.path.join(hub_cache, repo, "snapshots", "0" * 40)
    os.makedirs(snapshot, exist_ok=True)
    os.makedirs(os.path.join(hub_cache, repo, "refs"), exist_ok=True)
    with open(os.path.join(hub_cache, repo, "refs", "main"), "w") as f:
        f.write("0" * 40)
    model_file = _spm(snapshot, "source")
    for name in ("source.spm", "target.spm"):
        with open(model_file, "rb") as src, open(os.path.join(snapshot, name), "wb") as dst:
            dst.write(src.read())
    proc = spm.SentencePieceProcessor(model_file=model_file)
    vocab = {proc.id_to_piece(i): i for i in range(proc.get_piece_size())}
    vocab["<pad>"] = len(vocab)
    with open(os.path.join(snapshot, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(snapshot, "tokenizer_config.json"), "w") as f:
        json.dump({"source_lang": source, "target_lang": target, "model_max_length": 64}, f)
    pad = vocab["<pad>"]
    torch.manual_seed(0)
    config = MarianConfig(vocab_size=len(vocab), d_model=16, encoder_layers=1, decoder_layers=1,
                          encoder_attention_heads=2, decoder_attention_heads=2,
                          encoder_ffn_dim=16, decoder_ffn_dim=16, max_position_embeddings=64,
                          pad_token_id=pad, eos_token_id=vocab["</s>"],
                          decoder_start_token_id=pad, forced_eos_token_id=vocab["</s>"])
    model = MarianMTModel(config)
    model.generation_config.max_length = 12
    model.save_pretrained(snapshot)
    return snapshot
