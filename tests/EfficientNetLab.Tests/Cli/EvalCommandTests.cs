using System.Text.Json.Nodes;
using EfficientNetLab.Tests.Evaluation;
using EfficientNetLab.Tests.Support;

namespace EfficientNetLab.Tests.Cli;

public class EvalCommandTests
{
    private static string SaltedFolder(out string[] bad)
    {
        var root = Directory.CreateTempSubdirectory("effnet-cli-eval").FullName;
        foreach (var file in ImageFixtures.Files.Where(f => f.EndsWith(".jpg")))
        {
            var cls = Path.Combine(root, Path.GetFileName(file).Split('_')[0]);
            Directory.CreateDirectory(cls);
            File.Copy(file, Path.Combine(cls, Path.GetFileName(file)));
        }
        bad = [Path.Combine(root, "coffee", "zero.jpg"), Path.Combine(root, "rocket", "notes.jpg")];
        File.WriteAllBytes(bad[0], []);
        File.WriteAllText(bad[1], "hello");
        return root;
    }

    [Fact]
    public async Task Eval_reports_every_bad_file_and_writes_the_run_folder()
    {
        var data = SaltedFolder(out var bad);
        var outDir = data + "-run";
        var json = await Support.Cli.JsonAsync("eval", "--model", "b0", "--weights", Path.Combine(ParityFixtures.Variant("b0"), "state_dict.pth"),
            "--data", data, "--batch-size", "4", "--device", "cpu", "--out", outDir);
        Assert.True((bool)json["completed"]!);
        Assert.Equal(20, (int)json["images"]!); // 4 photos × 5 JPEG encodings
        Assert.Equal(bad.Order(), json["skipped_files"]!.AsArray().Select(s => (string)s!["path"]!).Order());
        foreach (var key in new[] { "model", "top1", "top1_err", "top5", "top5_err", "param_count", "img_size", "crop_pct", "interpolation", "images_per_s", "data_wait_fraction" })
            Assert.NotNull(json[key]);
        Assert.NotNull(json["monitor"]);
        foreach (var file in new[] { "predictions.csv", "skipped.csv", "summary.json", "per_class.csv", "confusion.csv", "monitor.csv" })
            Assert.True(File.Exists(Path.Combine(outDir, file)), file);
        Assert.Equal(21, File.ReadAllLines(Path.Combine(outDir, "predictions.csv")).Length);
    }

    [Fact]
    public async Task Strict_eval_fails_naming_the_file()
    {
        var data = SaltedFolder(out var bad);
        var (code, _, stderr) = await Support.Cli.RunAsync("eval", "--model", "b0", "--weights", "random", "--data", data,
            "--batch-size", "4", "--device", "cpu", "--strict");
        Assert.Equal(1, code);
        Assert.Contains(bad, b => stderr.Contains(b));
    }

    [Fact]
    public async Task Missing_data_folder_is_a_one_line_error()
    {
        var (code, _, stderr) = await Support.Cli.RunAsync("eval", "--model", "b0", "--weights", "random", "--data", "/nonexistent/val");
        Assert.Equal(1, code);
        Assert.Contains("/nonexistent/val: folder not found", stderr);
    }

    [Fact]
    public async Task Onnxruntime_backend_gives_the_same_predictions_as_libtorch()
    {
        var data = SaltedFolder(out _);
        var dir = Directory.CreateTempSubdirectory("effnet-ort").FullName;
        var checkpoint = Path.Combine(dir, "b0.pth");
        File.Copy(Path.Combine(ParityFixtures.Variant("b0"), "state_dict.pth"), checkpoint);
        async Task<List<string>> Run(string backend)
        {
            var outDir = Path.Combine(dir, backend);
            var json = await Support.Cli.JsonAsync("eval", "--model", "b0", "--weights", checkpoint, "--data", data,
                "--batch-size", "8", "--device", "cpu", "--backend", backend, "--out", outDir);
            Assert.Equal(backend, (string)json["backend"]!);
            // Top-5 indices per image; probabilities may differ in the last digits between runtimes.
            return File.ReadLines(Path.Combine(outDir, "predictions.csv")).Skip(1).Select(l => string.Join(',', l.Split(',').Take(8))).ToList();
        }
        Assert.Equal(await Run("libtorch"), await Run("onnxruntime"));
        Assert.Single(Directory.GetFiles(dir, "b0.pth.*.onnx")); // exported once, cached next to the checkpoint
    }

    [Fact]
    public async Task Default_options_give_the_same_predictions_as_libtorch_up_to_ties()
    {
        var dir = Directory.CreateTempSubdirectory("effnet-cli-auto").FullName;
        async Task<(JsonObject Summary, string[][] Rows)> Run(params string[] backend)
        {
            var outDir = Path.Combine(dir, backend.Length == 0 ? "default" : backend[1]);
            var json = await Support.Cli.JsonAsync(["eval", "--weights", Repo.SampleCheckpoint, "--data", Repo.SampleImages, "--out", outDir, .. backend]);
            return (json, File.ReadLines(Path.Combine(outDir, "predictions.csv")).Skip(1).Select(l => l.Split(',')).ToArray());
        }
        var (summary, auto) = await Run();
        Assert.StartsWith("auto: onnxruntime ", (string)summary["backend_reason"]!); // a CPU placement: probed
        Assert.NotNull(summary["backend_probe"]);
        var (_, libtorch) = await Run("--backend", "libtorch");
        var (_, onnxruntime) = await Run("--backend", "onnxruntime");
        Assert.Equal(500, libtorch.Length);
        foreach (var other in new[] { auto, onnxruntime })
        {
            Assert.Equal(libtorch.Length, other.Length);
            for (int row = 0; row < libtorch.Length; row++)
            {
                string[] a = libtorch[row], b = other[row];
                Assert.Equal(a[..3], b[..3]); // index, path, label
                var pa = a[8..13].Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
                var pb = b[8..13].Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
                for (int k = 0; k < 5; k++)
                {
                    // The k-th largest probability is the same whichever class holds it; classes may differ only where
                    // the k-th is tied within 1e-4 with a neighbour (or, for the 5th, with a class outside the top 5).
                    Assert.True(Math.Abs(pa[k] - pb[k]) <= 1e-4, $"row {row}: p{k + 1} {pa[k]} vs {pb[k]}");
                    bool tied = k == 4 || Math.Abs(pa[k] - pa[k + 1]) <= 1e-4 || (k > 0 && Math.Abs(pa[k] - pa[k - 1]) <= 1e-4);
                    Assert.True(a[3 + k] == b[3 + k] || tied, $"row {row}: top-{k + 1} class {a[3 + k]} vs {b[3 + k]} with p {pa[k]}");
                }
            }
        }
    }

    private static string[] SampleEval(string outDir, params string[] more) =>
        ["eval", "--weights", Repo.SampleCheckpoint, "--data", Repo.SampleImages, "--batch-size", "8", "--out", outDir,
         .. more.Contains("--limit") ? more : [.. more, "--limit", "12"]];

    [Fact]
    public async Task Invalid_options_and_a_second_eval_leave_a_finished_run_byte_for_byte()
    {
        var outDir = Path.Combine(Directory.CreateTempSubdirectory("effnet-cli-runfolder").FullName, "run");
        var (code, _, stderr) = await Support.Cli.RunAsync(SampleEval(outDir));
        Assert.True(code == 0, stderr);
        var before = RunFolderTests.Hashes(outDir);

        async Task<string> Refused(params string[] more)
        {
            var (c, _, err) = await Support.Cli.RunAsync(SampleEval(outDir, more));
            Assert.Equal(1, c);
            Assert.Equal(before, RunFolderTests.Hashes(outDir));
            return err;
        }

        // The issue's case: an option check that used to come after predictions.csv was truncated; with --overwrite
        // a bad combination must not delete the run either.
        Assert.Contains("already holds a run", await Refused("--backend", "onnxruntime", "--half"));
        Assert.Contains("--backend onnxruntime runs float32 on the CPU", await Refused("--backend", "onnxruntime", "--half", "--overwrite"));
        var again = await Refused();
        Assert.Contains($"--out {outDir} already holds a run", again);
        Assert.Contains("--resume", again);
        Assert.Contains("--overwrite", again);
        Assert.Contains("give one of them", await Refused("--resume", "--overwrite"));

        var (replaced, _, replacedErr) = await Support.Cli.RunAsync(SampleEval(outDir, "--overwrite", "--limit", "16"));
        Assert.True(replaced == 0, replacedErr);
        Assert.Equal(17, File.ReadAllLines(Path.Combine(outDir, "predictions.csv")).Length);
    }

    [Fact]
    public async Task Json_and_summary_json_are_the_same_summary_and_the_text_names_the_class_mapping()
    {
        var dir = Directory.CreateTempSubdirectory("effnet-cli-summary").FullName;
        var classMap = Path.Combine(dir, "classes.txt");
        File.WriteAllLines(classMap, Directory.GetDirectories(Repo.SampleImages).Select(d => Path.GetFileName(d)).Order(StringComparer.Ordinal));
        var json = await Support.Cli.JsonAsync(SampleEval(Path.Combine(dir, "a"), "--class-map", classMap));
        Assert.True(JsonNode.DeepEquals(json, JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "a", "summary.json")))));
        Assert.Equal("class_map", (string)json["class_mapping"]!);
        Assert.Equal(10, (int)json["dataset_classes"]!); // the dataset's, though --limit 12 takes images of its first folder only
        Assert.Equal(json["preset"]!.ToJsonString(), EfficientNetLab.Weights.CheckpointMetadata.ReadSidecar(Repo.SampleCheckpoint).Preset!.ToJson().ToJsonString());

        var (code, stdout, stderr) = await Support.Cli.RunAsync(SampleEval(Path.Combine(dir, "b"), "--class-map", classMap));
        Assert.True(code == 0, stderr);
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "b", "summary.json")))!;
        Assert.Contains($"  classes     {summary["dataset_classes"]} classes, mapped by class_map\n", stdout);
        Assert.Contains($"  top-1       {summary["top1"]}%  (95% CI {summary["top1_ci95"]![0]}–{summary["top1_ci95"]![1]})", stdout);
    }

    [Theory]
    [InlineData("libtorch")]
    [InlineData("onnxruntime")]
    public async Task Bench_reports_throughput_per_batch_size(string backend)
    {
        var json = await Support.Cli.JsonAsync("bench", "--model", "b0", "--batch-size", "1,2",
            "--warmup", "1", "--repeats", "2", "--device", "cpu", "--backend", backend);
        var results = json["results"]!.AsArray();
        Assert.Equal([1, 2], results.Select(r => (int)r!["batch_size"]!));
        Assert.All(results, r => Assert.True((double)r!["images_per_s"]! > 0));
        Assert.All(results, r => Assert.Equal(backend, (string)r!["backend"]!));
        Assert.All(results, r => Assert.Equal($"forced by --backend {backend}", (string)r!["backend_reason"]!));
    }

    [Fact]
    public async Task Bench_runs_a_given_onnx_file_with_its_thread_count()
    {
        var dir = Directory.CreateTempSubdirectory("effnet-cli-bench-onnx").FullName;
        var file = Path.Combine(dir, "b0-56.onnx");
        await Support.Cli.JsonAsync("export-onnx", "--model", "b0", "--weights", "random", "--dynamic-batch", "--image-size", "56", "-o", file);
        var (code, stdout, stderr) = await Support.Cli.RunAsync("bench", "--model", "b0", "--onnx", file, "--image-size", "56", "--threads", "1",
            "--batch-size", "1,3", "--warmup", "1", "--repeats", "1", "--json");
        Assert.True(code == 0, stderr);
        var results = JsonNode.Parse(stdout)!["results"]!.AsArray();
        Assert.All(results, r => Assert.Equal(("onnxruntime", $"forced by --onnx {file}", 1),
            ((string)r!["backend"]!, (string)r["backend_reason"]!, (int)r["threads"]!)));
        Assert.Contains($"ONNX Runtime on {file}, 1 thread", stderr);

        var missing = Path.Combine(dir, "missing.onnx");
        (code, _, stderr) = await Support.Cli.RunAsync("bench", "--model", "b0", "--onnx", missing, "--batch-size", "1");
        Assert.Equal(1, code);
        Assert.Contains($"--onnx {missing}: file not found", stderr);
        (code, _, stderr) = await Support.Cli.RunAsync("bench", "--model", "b0", "--onnx", file, "--backend", "libtorch", "--batch-size", "1");
        Assert.Equal(1, code);
        Assert.Contains("runs on ONNX Runtime, not --backend libtorch", stderr);
    }
}
