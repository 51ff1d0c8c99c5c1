using System.CommandLine;
using System.Text.Json.Nodes;
using EfficientNetLab.Benchmarks;
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
        var model = CommonOptions.Model(required: true);
        var tag = new Option<string>("--weights-tag") { Description = "Whose eval preset: imagenet1k_v1, imagenet1k_v2 or default.", DefaultValueFactory = _ => "default" };
        var data = new Option<string?>("--data", "-d") { Description = "Folder of images (.jpg .jpeg .png .gif .bmp .webp), read in name order." };
        var limit = new Option<int>("--limit") { Description = "Use only the first N images (0: all).", DefaultValueFactory = _ => 0 };
        var passes = new Option<int>("--passes") { Description = "Times each image is processed in the timed run.", DefaultValueFactory = _ => 3 };
        var workers = new Option<int>("--workers") { Description = "Parallel worker threads, each with its own buffers.", DefaultValueFactory = _ => 1 };
        var overrides = new PresetOverrides();
        var exif = new Option<bool>("--exif-transpose") { Description = "Apply the EXIF orientation first (torchvision does not; off by default)." };
        var json = CommonOptions.Json();
        var command = new Command("bench", "Measure throughput: --preprocess times decode + resize + crop + normalize per image.")
        {
            preprocessMode, model, tag, data, limit, passes, workers, exif, json,
        };
        overrides.AddTo(command);
        command.SetAction(parse =>
        {
            bool asJson = parse.GetValue(json);
            try
            {
                var preset = overrides.Apply(parse, CheckpointRegistry.Get(parse.GetValue(model)!, parse.GetValue(tag)!).Preset);
                if (!parse.GetValue(preprocessMode)) throw new ArgumentException("Say what to benchmark: --preprocess.");
                var folder = parse.GetValue(data) ?? throw new ArgumentException("--preprocess needs --data FOLDER.");
                var preprocessor = new Preprocessor(preset, overrides.Decoder(parse), applyExifOrientation: parse.GetValue(exif));
                var result = PreprocessBenchmark.Run(preprocessor, PreprocessBenchmark.ListImages(folder, parse.GetValue(limit)),
                    parse.GetValue(workers), parse.GetValue(passes));
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
            ["preset"] = preprocessor.Preset.ToString(),
            ["crop_size"] = preprocessor.Preset.CropSize,
            ["resize_size"] = preprocessor.Preset.ResizeSize,
            ["interpolation"] = preprocessor.Preset.Interpolation.ToString().ToLowerInvariant(),
            ["mean"] = new JsonArray(preprocessor.Preset.Mean.Select(v => (JsonNode)v).ToArray()),
            ["std"] = new JsonArray(preprocessor.Preset.Std.Select(v => (JsonNode)v).ToArray()),
            ["decoder"] = preprocessor.Decoder.ToString().ToLowerInvariant(),
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
