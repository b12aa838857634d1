"""-v shows the object cache at work: the second request for the same model is a cache hit."""

from dgenerate_core.cli import main


def test_verbose_script_reports_cache_miss_then_hit(tiny_models, tmp_path, capsys):
    from dgenerate_core.pipelines.cache import clear_object_cache

    clear_object_cache()  # another test may have loaded the same model already
    script = tmp_path / "twice.dgen"
    line = f'"{tiny_models.sd}" --output-size 32 -ifs 1 -o "{tmp_path / "out"}"'
    script.write_text(f"{line} --seeds 1\n{line} --seeds 2\n", encoding="utf-8")
    assert main(["--file", str(script), "-v"]) == 0
    err = capsys.readouterr().err
    assert "cache miss: pipeline" in err
    assert "cache hit: pipeline" in err
    assert err.index("cache miss: pipeline") < err.index("cache hit: pipeline")


def test_without_verbose_no_cache_lines(tiny_models, tmp_path, capsys):
    assert main([tiny_models.sd, "--output-size", "32", "-ifs", "1", "--seeds", "1",
                 "-o", str(tmp_path), "--no-stdin"]) == 0
    assert "cache " not in capsys.readouterr().err
