using System.CommandLine;
using EfficientNetLab.Devices;
using EfficientNetLab.Options;
using System.Text.Json.Nodes;
using EfficientNetLab.Benchmarks;
using EfficientNetLab.Data;
using EfficientNetLab.Imaging;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Cli.Commands;

/// <summary>
/// <c>effnet bench</c>: throughput measurements. Each mode is a flag with its own method; the options above the
/// modes (model, workers, json) are shared.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(Output output)
    {
        var preprocessMode = new Option<bool>("--preprocess") { Description = "Benchmark decoding + the model's eval transform (no inference)." };
        var weights = CommonOptions.Weights("random");
        var batchSizes = CommonOptions.From(KitOptions.BatchSizes.WithDefault(KitOptions.BatchSizes.Default, "Model mode: comma-separated batch sizes."));
        var imageSize = CommonOptions.From(KitOptions.ImageSize.WithDefault(null, "Model mode: input side (default: the weights' eval crop)."));
        var threads = CommonOptions.From(KitOptions.Threads.WithDefault(null, "Model mode: intra-op threads of either backend (torch.set_num_threads; ONNX Runtime's session)."));
        var device = CommonOptions.Device();
        var half = new Option<bool>("--half") { Description = "Model mode: float16 model and input (GPU)." };
        var channelsLast = new Option<bool>("--channels-last") { Description = "Model mode: " + ModelPlacement.ChannelsLastHelp };
        var warmup = CommonOptions.From(KitOptions.Warmup);
        var repeats = CommonOptions.From(KitOptions.Repeats);
        var backend = CommonOptions.Backend();
        var onnxFile = new Option<string?>("--onnx")
        {
            Description = "Model mode: run this ONNX file (effnet export-onnx --dynamic-batch) on ONNX Runtime instead of exporting --weights, " +
                          "e.g. to compare the kit's backend with another runner on the same file.",
        };
        var model = CommonOptions.Model(required: true);
        var tag = new Option<string>("--weights-tag") { Description = "Whose eval preset: imagenet1k_v1, imagenet1k_v2 or default.", DefaultValueFactory = _ => "default" };
        var data = new Option<string?>("--data", "-d") { Description = "Folder of images: flat (name order) or an ImageFolder (all its images, torchvision's order)." };
        var limit = CommonOptions.From(KitOptions.Limit);
        var passes = new Option<int>("--passes") { Description = "Times each image is processed in the timed run.", DefaultValueFactory = _ => 3 };
        var workers = CommonOptions.From(KitOptions.Workers.WithDefault(1, "Preprocess mode: parallel worker threads, each with its own buffers (0 = one per core)."));
        var overrides = new PresetOverrides();
        var exif = new Option<bool>("--exif-transpose") { Description = "Apply the EXIF orientation first (torchvision does not; off by default)." };
        var json = CommonOptions.Json();
        var command = new Command("bench", "Measure throughput: the model on synthetic input per batch size (like timm's benchmark.py), " +
                                            "or with --preprocess decode + resize + crop + normalize per image.")
        {
            preprocessMode, model, tag, weights, batchSizes, imageSize, threads, device, half, channelsLast, warmup, repeats, backend, onnxFile,
            data, limit, passes, workers, exif, json,
        };
        overrides.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            bool asJson = parse.GetValue(json);
            try
            {
                if (!parse.GetValue(preprocessMode))
                {
                    using var loaded = await Lab.LoadAsync(new LoadRequest
                    {
                        Model = parse.GetValue(model), Weights = parse.GetValue(weights), Device = parse.GetValue(device),
                        Half = parse.GetValue(half), ChannelsLast = parse.GetValue(channelsLast),
                    }, cancellationToken: ct);
                    var report = await Lab.BenchmarkAsync(loaded, new BenchmarkRequest
                    {
                        BatchSize = parse.GetValue(batchSizes)!, ImageSize = parse.GetValue(imageSize), Warmup = parse.GetValue(warmup),
                        Repeats = parse.GetValue(repeats), Threads = parse.GetValue(threads), Backend = parse.GetValue(backend),
                        Onnx = parse.GetValue(onnxFile),
                    }, log: output.Note, cancellationToken: ct);
                    ReportModel(output, asJson, report.Results);
                    return 0;
                }
                var preset = overrides.Apply(parse, CheckpointRegistry.Get(parse.GetValue(model)!, parse.GetValue(tag)!).Preset);
                var folder = parse.GetValue(data) ?? throw new ArgumentException("--preprocess needs --data FOLDER.");
                var preprocessor = new Preprocessor(preset, overrides.Decoder(parse), applyExifOrientation: parse.GetValue(exif));
                var images = ImageFolder.List(folder);
                foreach (var w in images.Warnings) output.Err.WriteLine($"effnet: warning: {w}");
                var files = parse.GetValue(limit) is int n ? images.Paths.Take(n).ToList() : images.Paths;
                var result = PreprocessBenchmark.Run(preprocessor, files, parse.GetValue(workers) is int workerCount and > 0 ? workerCount : Environment.ProcessorCount,
                    parse.GetValue(passes));
                Report(output, asJson, parse.GetValue(model)!, preprocessor, result);
                return 0;
            }
            catch (Exception e)
            {
                return output.Fail(e, asJson);
            }
        });
        return command;
    }

    private static void ReportModel(Output output, bool asJson, IReadOnlyList<BenchResult> results)
    {
        if (asJson)
        {
            output.Json(new JsonObject
            {
                ["mode"] = "model",
                ["results"] = new JsonArray(results.Select(r => (JsonNode)new JsonObject
                {
                    ["model"] = r.Model, ["backend"] = r.Backend, ["backend_reason"] = r.BackendReason, ["batch_size"] = r.BatchSize, ["img_size"] = r.ImageSize,
                    ["device"] = r.Device, ["dtype"] = r.Dtype, ["memory_format"] = r.MemoryFormat, ["threads"] = r.Threads,
                    ["repeats"] = r.Repeats, ["median_batch_ms"] = Math.Round(r.MedianBatchMs, 3), ["p90_batch_ms"] = Math.Round(r.P90BatchMs, 3),
                    ["mean_batch_ms"] = Math.Round(r.MeanBatchMs, 3),
                    ["images_per_s"] = Math.Round(r.ImagesPerSecond, 2), ["onnx_images_per_run"] = r.OnnxImagesPerRun,
                }).ToArray()),
            });
            return;
        }
        output.Table(["model", "backend", "batch", "size", "device", "dtype", "format", "median ms", "p90 ms", "mean ms", "img/s"],
            results.Select(r => (IReadOnlyList<string>)[r.Model, r.Backend, r.BatchSize.ToString(), r.ImageSize.ToString(), r.Device, r.Dtype,
                r.MemoryFormat, r.MedianBatchMs.ToString("F1"), r.P90BatchMs.ToString("F1"), r.MeanBatchMs.ToString("F1"), r.ImagesPerSecond.ToString("F1")]));
    }

    private static void Report(Output output, bool asJson, string model, Preprocessor preprocessor, PreprocessBenchmarkResult r)
    {
        double PerImage(TimeSpan t) => Math.Round(t.TotalMilliseconds / r.Images, 4);
        var decoder = preprocessor.Decoder == DecoderKind.Skia ? $"skia (jpeg: {ImageDecoder.JpegBackend})" : "imagesharp";
        if (!asJson)
        {
            output.Line($"preprocess {model}: {preprocessor.Preset}; decoder {decoder}; resampler {PillowResampler.Kernels}");
            output.Line($"{r.Files} files × {r.Passes} passes, {r.Workers} worker{(r.Workers == 1 ? "" : "s")}: " +
                        $"{r.ImagesPerSecond:F1} images/s ({r.Images} in {r.Elapsed.TotalSeconds:F2} s)");
            output.Line($"per image: decode {PerImage(r.Stages.Decode):F3} ms, resize {PerImage(r.Stages.Resize):F3} ms, " +
                        $"normalize {PerImage(r.Stages.Normalize):F3} ms; process CPU {PerImage(r.ProcessorTime):F3} ms");
            return;
        }
        output.Json(new JsonObject
        {
            ["mode"] = "preprocess",
            ["model"] = model,
            ["preset"] = preprocessor.Preset.ToJson(),
            ["decoder"] = preprocessor.Decoder.Name(),
            ["jpeg_backend"] = preprocessor.Decoder == DecoderKind.Skia ? ImageDecoder.JpegBackend : "imagesharp",
            ["resampler"] = PillowResampler.Kernels,
            ["workers"] = r.Workers,
            ["files"] = r.Files,
            ["passes"] = r.Passes,
            ["images"] = r.Images,
            ["seconds"] = Math.Round(r.Elapsed.TotalSeconds, 4),
            ["images_per_s"] = Math.Round(r.ImagesPerSecond, 2),
            ["cpu_ms_per_image"] = PerImage(r.ProcessorTime),
            ["ms_per_image"] = new JsonObject
            {
                ["decode"] = PerImage(r.Stages.Decode),
                ["resize"] = PerImage(r.Stages.Resize),
                ["normalize"] = PerImage(r.Stages.Normalize),
            },
        });
    }
}
