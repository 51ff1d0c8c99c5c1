using System.Reactive.Linq;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;

namespace EfficientNetLab.Interactive.Tests;

[CollectionDefinition("notebook")]
public class NotebookCollection : ICollectionFixture<NotebookKernel>;

/// <summary>Every magic through a C# notebook kernel that loaded the packed extension from the local feed.</summary>
[Collection("notebook")]
public class MagicTests(NotebookKernel notebook)
{
    private static readonly string Chelsea = Repo.Sample("chelsea.png");
    private static readonly string Coffee = Repo.Sample("coffee.png");

    private async Task<KernelCommandResult> Model(string name = "m")
    {
        var r = await notebook.Run($"#!efficientnet --model b0 --weights random --name {name}");
        r.Succeeded();
        return r;
    }

    [Fact]
    public void Loading_announces_every_magic_and_sends_plotly_js_once()
    {
        var html = notebook.LoadResult.Html();
        foreach (var magic in new[] { "#!cuda-info", "#!efficientnet", "#!classify", "#!preprocess", "#!accuracy", "#!benchmark" })
            Assert.Contains($"<code>{magic}</code>", html);
        Assert.Contains("data-effnet=\"plotly.js\"", html);
        Assert.Contains("Plotly", html);
        Assert.Contains(notebook.LoadResult.Events, e => e is KernelExtensionLoaded);
    }

    [Theory]
    [InlineData("#!cuda-info")]
    [InlineData("#!efficientnet")]
    [InlineData("#!classify")]
    [InlineData("#!preprocess")]
    [InlineData("#!accuracy")]
    [InlineData("#!benchmark")]
    public async Task Every_magic_has_help(string magic)
    {
        var r = await notebook.Run($"{magic} --help");
        r.Succeeded();
        Assert.Contains($"usage: {magic}", r.Text());
        Assert.Contains("--help", r.Html());
    }

    [Theory]
    [InlineData("#!efficientnet --model ", "v2_s")]
    [InlineData("#!efficientnet --weights ", "imagenet1k_v1")]
    [InlineData("#!efficientnet --device ", "cuda")]
    public async Task Options_complete_their_values(string code, string expected)
    {
        var r = await notebook.Kernel.SendAsync(new RequestCompletions(code, new LinePosition(0, code.Length)));
        var completions = r.Events.OfType<CompletionsProduced>().Single().Completions.Select(c => c.DisplayText);
        Assert.Contains(expected, completions);
    }

    [Fact]
    public async Task Cuda_info_shows_the_device_report_without_a_gpu()
    {
        var r = await notebook.Run("#!cuda-info");
        r.Succeeded();
        var html = r.Html();
        Assert.Contains("Compute devices", html);
        Assert.Contains("no GPU: NVML not found (libnvidia-ml.so.1)", html);
        Assert.Contains("libtorch-cpu-linux-x64/2.10.0", html); // the native package TorchSharp loaded, from the NuGet cache
        Assert.Contains("avx2", html);
        Assert.Contains("not available</b>: runs on the CPU", html);
        Assert.Contains("2.10", r.Text());
    }

    [Fact]
    public async Task Cuda_info_watch_updates_its_chart_in_place()
    {
        var r = await notebook.Run("#!cuda-info --watch 0.2 --samples 3");
        r.Succeeded();
        var updates = r.Events.OfType<DisplayedValueUpdated>().ToList();
        Assert.True(updates.Count >= 3, $"{updates.Count} updates");
        Assert.Single(updates.Select(u => u.ValueId).Distinct());
        var last = updates[^1].FormattedValues.Single(f => f.MimeType == "text/html").Value;
        Assert.Contains("Plotly.newPlot", last);
        Assert.Contains("CPU / memory (stopped)", last);
        Assert.Contains("(3 samples)", last);
    }

    [Fact]
    public async Task Cuda_info_reads_gpus_through_nvml_and_diagnoses_torchsharp_without_cuda()
    {
        // The fake driver the library's tests use: two GPUs, the second without power or temperature readings.
        var dir = Directory.CreateTempSubdirectory("effnet-nvml").FullName;
        var lib = Path.Combine(dir, "libnvidia-ml.so.1");
        using (var gcc = System.Diagnostics.Process.Start("gcc", ["-shared", "-fPIC", "-o", lib,
            Path.Combine(Repo.Root, "tests", "EfficientNetLab.Tests", "Devices", "fake_nvml.c")])!)
        {
            await gcc.WaitForExitAsync();
            Assert.Equal(0, gcc.ExitCode);
        }
        Environment.SetEnvironmentVariable("EFFNET_NVML_LIBRARY", lib);
        try
        {
            var r = await notebook.Run("#!cuda-info");
            r.Succeeded();
            var html = r.Html();
            Assert.Contains("NVIDIA H100 80GB HBM3", html);
            Assert.Contains("10.00 GiB of 79.65 GiB", html);
            Assert.Contains("n/a (NVML_ERROR_NOT_SUPPORTED (3))", html); // GPU 1's power
            Assert.Contains("although the driver sees GPUs", html);
            Assert.Contains("failed</b>", html); // the CPU-only TorchSharp here fails the CUDA diagnosis

            var watch = await notebook.Run("#!cuda-info --watch 0.2 --samples 2");
            watch.Succeeded();
            var last = watch.Events.OfType<DisplayedValueUpdated>().Last().FormattedValues.Single(f => f.MimeType == "text/html").Value;
            Assert.Contains("GPU 0 utilization %", last);
            Assert.Contains("GPU / CPU / memory (stopped)", last);
        }
        finally
        {
            Environment.SetEnvironmentVariable("EFFNET_NVML_LIBRARY", null);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Efficientnet_loads_into_a_csharp_variable_and_shows_a_model_card()
    {
        var r = await Model("card");
        Assert.Contains("card = efficientnet_b0", r.Html());
        Assert.Contains("5.289 M", r.Html());
        Assert.Contains("random init", r.Html());
        Assert.Contains("EfficientNet_B0_Weights.IMAGENET1K_V1", r.Html()); // torchvision's numbers as reference
        Assert.Contains("card = efficientnet_b0", r.Text());
        var value = await notebook.Run("card.Model.NumClasses");
        Assert.Equal(1000, value.Events.OfType<ReturnValueProduced>().Single().Value);
    }

    [Fact]
    public async Task Efficientnet_with_a_missing_file_fails_in_one_line()
    {
        var message = (await notebook.Run("#!efficientnet --model b0 --weights /nonexistent/model.pth")).FailedWithOneLine();
        Assert.Contains("/nonexistent/model.pth", message);
    }

    [Fact]
    public async Task An_unknown_option_fails_in_one_line()
    {
        var message = (await notebook.Run("#!efficientnet --model b0 --wieghts random")).FailedWithOneLine();
        Assert.Contains("--wieghts", message);
    }

    [Fact]
    public async Task Classify_shows_a_gallery_with_topk_bars()
    {
        await Model();
        var r = await notebook.Run($"#!classify --model m {Chelsea} --topk 3");
        r.Succeeded();
        var html = r.Html();
        Assert.Contains("effnet-gallery", html);
        Assert.Contains("data:image/png;base64,", html);
        Assert.Contains("chelsea.png", html);
        var text = r.Text().Split('\n');
        Assert.Equal(Chelsea, text[0]);
        Assert.Equal(3, text.Count(l => l.Contains('%')));
    }

    [Fact]
    public async Task Classify_takes_folders_and_json_arrays()
    {
        await Model();
        var folder = await notebook.Run($"#!classify --model m {Path.GetDirectoryName(Chelsea)} --topk 1");
        folder.Succeeded();
        Assert.Equal([Chelsea, Coffee], folder.Text().Split('\n').Where(l => !l.StartsWith(' ')).Order());
        var array = await notebook.Run($"#!classify --model m [\"{Coffee}\",\"{Chelsea}\"] --topk 2");
        array.Succeeded();
        Assert.Equal([Coffee, Chelsea], array.Text().Split('\n').Where(l => !l.StartsWith(' ')));
    }

    [Fact]
    public async Task Classify_decodes_each_image_once()
    {
        await Model();
        async Task<long> Decoded() =>
            (long)(await notebook.Run("EfficientNetLab.Imaging.ImageDecoder.FilesDecoded")).Events.OfType<ReturnValueProduced>().Single().Value!;
        long before = await Decoded();
        (await notebook.Run($"#!classify --model m [\"{Coffee}\",\"{Chelsea}\"] --topk 1")).Succeeded();
        Assert.Equal(2, await Decoded() - before);
    }

    [Fact]
    public async Task Classify_errors_are_one_line()
    {
        await Model();
        Assert.Contains("no model named 'nosuch'", (await notebook.Run($"#!classify --model nosuch {Chelsea}")).FailedWithOneLine());
        Assert.Contains("/nope.png", (await notebook.Run("#!classify --model m /nope.png")).FailedWithOneLine());
        Assert.Contains("--topk", (await notebook.Run($"#!classify --model m {Chelsea} --topk 0")).FailedWithOneLine());
    }

    [Fact]
    public async Task Preprocess_shows_every_stage()
    {
        var r = await notebook.Run($"#!preprocess {Chelsea} --model b0");
        r.Succeeded();
        var html = r.Html();
        foreach (var label in new[] { "original", "resized", "center crop", "normalized R", "normalized G", "normalized B" })
            Assert.Contains(label, html);
        Assert.Contains("451×300", html);   // chelsea.png
        Assert.Contains("384×256", html);   // shorter side to 256 (b0's preset)
        Assert.Contains("224×224 at (80, 16)", html); // round((384 − 224) / 2), round((256 − 224) / 2)
        Assert.Equal(6, html.Split("data:image/png;base64,").Length - 1);
        Assert.Contains("→ crop 224×224", r.Text());
    }

    [Fact]
    public async Task Accuracy_updates_a_progress_bar_in_place_and_ends_with_the_report()
    {
        await Model();
        var data = Dataset(perClass: 3);
        var r = await notebook.Run($"#!accuracy --model m --data {data} --batch-size 2 --name acc");
        r.Succeeded();
        var updates = r.Events.OfType<DisplayedValueUpdated>().ToList();
        Assert.NotEmpty(updates);
        var progressId = r.Events.OfType<DisplayedValueProduced>().First(e => e.Value.GetType().Name == "EvalProgressView").ValueId;
        Assert.All(updates, u => Assert.Equal(progressId, u.ValueId));
        Assert.Contains("6/6 images", updates[^1].FormattedValues.Single(f => f.MimeType == "text/html").Value);
        var html = r.Html();
        foreach (var part in new[] { "effnet-accuracy", "top-1", "published", "heatmap", "reliability", "per-class metrics", "img/s" })
            Assert.Contains(part, html);
        var images = await notebook.Run("acc.Metrics.Images");
        Assert.Equal(6L, images.Events.OfType<ReturnValueProduced>().Single().Value);
    }

    [Fact]
    public async Task Accuracy_on_onnx_runtime_agrees_with_libtorch()
    {
        await Model();
        var data = Dataset(perClass: 2);
        (await notebook.Run($"#!accuracy --model m --data {data} --batch-size 4 --backend libtorch --name viaTorch")).Succeeded();
        (await notebook.Run($"#!accuracy --model m --data {data} --batch-size 4 --backend onnxruntime --name viaOrt")).Succeeded();
        var same = await notebook.Run("viaOrt.Metrics.Images == 4 && viaOrt.Metrics.Top1 == viaTorch.Metrics.Top1 && viaOrt.Metrics.Top5 == viaTorch.Metrics.Top5");
        Assert.Equal(true, same.Events.OfType<ReturnValueProduced>().Single().Value);
    }

    [Fact]
    public async Task Interrupting_accuracy_keeps_the_partial_result()
    {
        await Model();
        var data = Dataset(perClass: 40);
        var firstUpdate = new TaskCompletionSource();
        using var _ = notebook.Kernel.KernelEvents.OfType<DisplayedValueUpdated>().Subscribe(_ => firstUpdate.TrySetResult());
        var run = notebook.Run($"#!accuracy --model m --data {data} --batch-size 2 --name partial");
        await firstUpdate.Task.WaitAsync(TimeSpan.FromMinutes(2));
        await notebook.Kernel.SendAsync(new Cancel());
        var r = await run.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Contains(r.Events, e => e is CommandFailed);
        // The kernel completes a cancelled command at once; the magic stops at the next batch and then stores
        // what it has, a moment later.
        KernelCommandResult result;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            await Task.Delay(200);
            result = await notebook.Run("$\"{partial.Completed} {partial.Metrics.Images}\"");
        } while (result.Events.Any(e => e is CommandFailed) && clock.Elapsed < TimeSpan.FromSeconds(60));
        result.Succeeded();
        var text = (string)result.Events.OfType<ReturnValueProduced>().Single().Value;
        var parts = text.Split(' ');
        Assert.Equal("False", parts[0]);
        Assert.InRange(long.Parse(parts[1]), 1, 79);
    }

    [Fact]
    public async Task Accuracy_keeps_a_previous_run_unless_told_to_resume_or_overwrite_it()
    {
        await Model();
        var data = Dataset(perClass: 1);
        var outDir = Path.Combine(Path.GetTempPath(), $"effnet-interactive-run-{Guid.NewGuid():N}");
        (await notebook.Run($"#!accuracy --model m --data {data} --out {outDir} --name first")).Succeeded();
        var before = Hashes(outDir);
        var again = (await notebook.Run($"#!accuracy --model m --data {data} --out {outDir}")).FailedWithOneLine();
        Assert.Contains(outDir, again);
        Assert.Contains("--resume", again);
        Assert.Contains("--overwrite", again);
        Assert.Contains("give one of them", (await notebook.Run($"#!accuracy --model m --data {data} --out {outDir} --resume --overwrite")).FailedWithOneLine());
        Assert.Equal(before, Hashes(outDir));
        (await notebook.Run($"#!accuracy --model m --data {data} --out {outDir} --overwrite --name second")).Succeeded();
        Assert.Equal(3, File.ReadAllLines(Path.Combine(outDir, "predictions.csv")).Length);
    }

    [Fact]
    public async Task Accuracy_shows_a_saved_run_without_a_model_or_data()
    {
        // The sample checkpoint on its shipped images: a top-1 far from 0, so the report's number means something.
        var sample = Path.Combine(Repo.Root, "samples", "fashion-mnist");
        (await notebook.Run($"#!efficientnet --weights {Path.Combine(sample, "efficientnet_b0_fashion_mnist.pth")} --name fashion")).Succeeded();
        var outDir = Path.Combine(Path.GetTempPath(), $"effnet-interactive-saved-{Guid.NewGuid():N}");
        var live = await notebook.Run($"#!accuracy --model fashion --data {Path.Combine(sample, "test")} --limit 40 --batch-size 20 --out {outDir} --name live");
        live.Succeeded();
        var top1 = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")))!["top1"]!.GetValue<double>();
        Assert.InRange(top1, 50, 100);

        var saved = await notebook.Run($"#!accuracy --run {outDir} --name saved");
        saved.Succeeded();
        var report = saved.Text();
        Assert.Contains($"top-1 {top1.ToString(System.Globalization.CultureInfo.InvariantCulture)}%", report);
        Assert.Contains("40 images", report);
        // Everything the report shows is the live run's, timing included (read back from summary.json).
        static string Report(KernelCommandResult r) => r.Events.OfType<DisplayedValueProduced>().Last().FormattedValues.Single(f => f.MimeType == "text/plain").Value;
        Assert.Equal(Report(live), Report(saved));
        var same = await notebook.Run("saved.Summary.ToJson().ToJsonString() == live.Summary.ToJson().ToJsonString()");
        Assert.Equal(true, same.Events.OfType<ReturnValueProduced>().Single().Value);

        var mixed = (await notebook.Run($"#!accuracy --run {outDir} --model fashion --limit 5")).FailedWithOneLine();
        Assert.Contains($"--run {outDir} shows a saved run, so --model, --limit cannot go with it", mixed);
        Assert.Contains("/no/such/run: no such folder", (await notebook.Run("#!accuracy --run /no/such/run")).FailedWithOneLine());
    }

    [Fact]
    public async Task The_model_card_and_the_accuracy_report_show_where_the_model_runs_and_accuracy_leaves_it_there()
    {
        // Channels-last is refused on the CPU (wrong oneDNN results), with the library's one-line reason.
        Assert.Contains("--channels-last is refused on the CPU",
            (await notebook.Run("#!efficientnet --model b0 --weights random --channels-last --name placed")).FailedWithOneLine());
        var card = await notebook.Run("#!efficientnet --model b0 --weights random --half --name placed");
        card.Succeeded();
        Assert.Contains("cpu, float16, contiguous", card.Html());
        var data = Dataset(perClass: 1);
        var r = await notebook.Run($"#!accuracy --model placed --data {data} --name placedRun");
        r.Succeeded();
        Assert.Contains("cpu, float16, contiguous", r.Html());
        Assert.Contains("2 classes, mapped by", r.Html());
        var after = await notebook.Run("placed.Placement.ToString() + \" \" + placedRun.Summary.ToJson()[\"memory_format\"]");
        Assert.Equal("cpu, float16, contiguous contiguous", after.Events.OfType<ReturnValueProduced>().Single().Value);
        // Placement is #!efficientnet's: #!accuracy has no option that could change the model behind its card.
        Assert.Contains("--half", (await notebook.Run($"#!accuracy --model placed --data {data} --half")).FailedWithOneLine());
    }

    [Fact]
    public async Task Benchmark_gives_torchs_thread_count_back()
    {
        await Model();
        var threads = await notebook.Run("TorchSharp.torch.get_num_threads()");
        int callers = (int)threads.Events.OfType<ReturnValueProduced>().Single().Value;
        (await notebook.Run($"#!benchmark --model m --batch-size 1 --warmup 0 --repeats 1 --image-size 64 --threads {callers + 1}")).Succeeded();
        var after = await notebook.Run("TorchSharp.torch.get_num_threads()");
        Assert.Equal(callers, after.Events.OfType<ReturnValueProduced>().Single().Value);
    }

    [Fact]
    public async Task Accuracy_on_a_missing_folder_fails_in_one_line()
    {
        await Model();
        Assert.Contains("/no/such/dir", (await notebook.Run("#!accuracy --model m --data /no/such/dir")).FailedWithOneLine());
    }

    [Fact]
    public async Task Benchmark_shows_a_table_and_a_chart()
    {
        await Model();
        var r = await notebook.Run("#!benchmark --model m --batch-size 1,2 --warmup 1 --repeats 2 --image-size 64");
        r.Succeeded();
        var html = r.Html();
        Assert.Contains("Benchmark m", html);
        Assert.Contains("img/s", html);
        Assert.Contains("Plotly.newPlot", html);
        var report = r.Events.OfType<DisplayedValueProduced>().Single(e => e.Value.GetType().Name == "BenchmarkReport");
        var table = report.FormattedValues.Single(f => f.MimeType == "text/plain").Value.Split('\n');
        Assert.Equal(["batch", "1", "2"], table.Select(l => l.Trim().Split(' ')[0]));
        Assert.Contains("--batch-size", (await notebook.Run("#!benchmark --model m --batch-size one")).FailedWithOneLine());
    }

    [Fact]
    public async Task Benchmark_runs_on_onnx_runtime()
    {
        await Model();
        var r = await notebook.Run("#!benchmark --model m --batch-size 1 --warmup 0 --repeats 1 --backend onnxruntime");
        r.Succeeded();
        Assert.Contains("<td style=\"padding:1px 8px;text-align:left\">onnxruntime</td>", r.Html());
        Assert.Contains("--backend is auto, libtorch or onnxruntime, got 'tensorrt'",
            (await notebook.Run("#!benchmark --model m --backend tensorrt")).FailedWithOneLine());
    }

    [Fact]
    public async Task Tensors_show_statistics_and_images()
    {
        var plain = await notebook.Run("TorchSharp.torch.ones(2, 3)");
        plain.Succeeded();
        Assert.Contains("[2, 3]", plain.Html());
        Assert.Contains("min 1, max 1, mean 1, std 0", plain.Html());
        Assert.DoesNotContain("<img", plain.Html());
        var image = await notebook.Run("TorchSharp.torch.rand(3, 8, 8)");
        Assert.Contains("data:image/png;base64,", image.Html());
        Assert.Contains("drawn as 0–1", image.Html());
        var normalized = await notebook.Run("TorchSharp.torch.randn(1, 3, 8, 8)");
        Assert.Contains("un-normalized", normalized.Html());
        var text = await notebook.Run("Microsoft.DotNet.Interactive.Formatting.Formatter.ToDisplayString(TorchSharp.torch.zeros(1, 3, 8, 8), \"text/plain\")");
        Assert.StartsWith("Tensor [1, 3, 8, 8] Float32 on cpu: min 0, max 0", (string)text.Events.OfType<ReturnValueProduced>().Single().Value);
    }

    [Fact]
    public async Task Plotly_charts_render_without_require_or_a_cdn()
    {
        var r = await notebook.Run("""
            var t = new Plotly.NET.Trace("bar");
            t.SetProperty("y", new[] { 1, 3, 2 });
            Plotly.NET.GenericChart.ofTraceObject(true, t)
            """);
        r.Succeeded();
        var html = r.Html();
        Assert.Contains("Plotly.newPlot", html);
        Assert.DoesNotContain("cdn.plot.ly", html);
        Assert.DoesNotContain("require", html);
        Assert.DoesNotContain("data-effnet=\"plotly.js\"", html); // already sent when the extension loaded
        var text = await notebook.Run("Microsoft.DotNet.Interactive.Formatting.Formatter.ToDisplayString(Plotly.NET.GenericChart.ofTraceObject(true, new Plotly.NET.Trace(\"bar\")), \"text/plain\")");
        Assert.StartsWith("Plotly chart: 1 trace(s)", (string)text.Events.OfType<ReturnValueProduced>().Single().Value);
    }

    [Fact]
    public async Task Libtorch_comes_from_the_package_not_the_system()
    {
        var r = await notebook.Run("EfficientNetLab.Devices.TorchRuntime.PreloadedLibTorch");
        Assert.Contains("libtorch-cpu-linux-x64", (string)r.Events.OfType<ReturnValueProduced>().Single().Value);
    }

    private static IReadOnlyDictionary<string, string> Hashes(string dir) =>
        Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal).ToDictionary(f => Path.GetFileName(f),
            f => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));

    /// <summary>Two class folders of the sample photos, copied <paramref name="perClass"/> times each.</summary>
    private static string Dataset(int perClass)
    {
        var root = Path.Combine(Path.GetTempPath(), $"effnet-interactive-{perClass}-{Guid.NewGuid():N}");
        foreach (var (cls, src) in new[] { ("cat", Chelsea), ("coffee", Coffee) })
        {
            Directory.CreateDirectory(Path.Combine(root, cls));
            for (int i = 0; i < perClass; i++) File.Copy(src, Path.Combine(root, cls, $"{i:D3}.png"));
        }
        return root;
    }
}
