using System.CommandLine;
using EfficientNetLab.Data;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Cli.Commands;

internal static class EvalCommand
{
    public static Command Create(Output output)
    {
        var weights = new Option<string>("--weights", "-w") { Description = "Checkpoint file, or published weights (imagenet1k_v1, imagenet1k_v2, default).", Required = true };
        var model = CommonOptions.Model(required: false);
        var data = new Option<string>("--data", "-d") { Description = "ImageFolder (class sub-folders; ImageNet wnid folders map to ImageNet indices) or a flat ImageNet val folder with LOC_val_solution.csv.", Required = true };
        var classMap = new Option<string?>("--class-map") { Description = "timm-style class map: one folder name per line, line number = class index." };
        var batchSize = CommonOptions.BatchSize(64, "Images per forward pass.");
        var workers = CommonOptions.Workers();
        var device = CommonOptions.Device();
        var half = new Option<bool>("--half") { Description = "fp16 model and inputs (GPU)." };
        var channelsLast = new Option<bool>("--channels-last") { Description = "Feed NHWC-strided inputs (faster convolutions on CPU and tensor cores)." };
        var limit = new Option<int?>("--limit") { Description = "Evaluate only the first N images." };
        var outDir = new Option<string?>("--out", "-o") { Description = "Folder for predictions.csv, skipped.csv, per_class.csv, confusion.csv, summary.json." };
        var resume = new Option<bool>("--resume") { Description = "Continue the run recorded in --out after its last image." };
        var strict = new Option<bool>("--strict") { Description = "Stop at the first unreadable image instead of skipping it." };
        var backend = CommonOptions.Backend();
        var baseUrl = CommonOptions.BaseUrl();
        var json = CommonOptions.Json();
        var overrides = new PresetOverrides();
        var command = new Command("eval", "Accuracy run over a labelled image folder: top-1/top-5 with intervals, per-class metrics, confusion, calibration.")
        {
            weights, model, data, classMap, batchSize, workers, device, half, channelsLast, limit, outDir, resume, strict, backend, baseUrl, json,
        };
        overrides.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            bool asJson = parse.GetValue(json);
            try
            {
                using var loaded = await ModelLoader.LoadAsync(parse.GetValue(model), parse.GetValue(weights)!, parse.GetValue(baseUrl), output.DownloadBar("weights"), ct);
                var dataset = DatasetIndex.Open(parse.GetValue(data)!, loaded, parse.GetValue(classMap));
                foreach (var w in dataset.Warnings) output.Err.WriteLine($"effnet: warning: {w}");
                var options = new EvalOptions
                {
                    BatchSize = parse.GetValue(batchSize), Workers = parse.GetValue(workers), Device = parse.GetValue(device)!,
                    Half = parse.GetValue(half), ChannelsLast = parse.GetValue(channelsLast), Limit = parse.GetValue(limit),
                    OutDir = parse.GetValue(outDir), Resume = parse.GetValue(resume), Strict = parse.GetValue(strict),
                    Backend = parse.GetValue(backend),
                };
                var result = await Evaluator.RunAsync(loaded, dataset.Samples, options, overrides.Apply(parse, loaded.Preset), overrides.Decoder(parse),
                    output.EvalBar(), line => output.Err.WriteLine($"effnet: {line}"), ct);
                output.Err.WriteLine();
                if (asJson) output.Json(result.ToJson());
                else PrintSummary(output, result, options.OutDir);
                return result.Completed ? 0 : 130;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return output.Fail(e, asJson);
            }
        });
        return command;
    }

    private static void PrintSummary(Output output, EvalResult r, string? outDir)
    {
        var j = r.ToJson();
        output.Line($"{j["model"]}  {j["weights"]}{(r.Completed ? "" : "  (INTERRUPTED: partial results)")}");
        output.Line($"  images      {r.Metrics.Images:N0} evaluated, {r.Skipped.Count:N0} skipped");
        output.Line($"  top-1       {j["top1"]}%  (95% CI {j["top1_ci95"]![0]}–{j["top1_ci95"]![1]})" + (j["published_top1"] is { } p1 ? $"  published {p1}%" : ""));
        output.Line($"  top-5       {j["top5"]}%  (95% CI {j["top5_ci95"]![0]}–{j["top5_ci95"]![1]})" + (j["published_top5"] is { } p5 ? $"  published {p5}%" : ""));
        output.Line($"  ECE         {j["ece"]}");
        output.Line($"  preset      {r.Preset}, decoder {j["decoder"]}");
        output.Line($"  throughput  {j["images_per_s"]} img/s on {j["device"]}, batch {j["batch_size"]}, data wait {r.DataWaitFraction:P0}, peak memory {j["peak_memory_mb"]} MB");
        foreach (var s in r.Skipped.Take(20)) output.Line($"  skipped     {s.Path}: {s.Reason}");
        if (r.Skipped.Count > 20) output.Line($"  skipped     … {r.Skipped.Count - 20} more (skipped.csv)");
        if (outDir is not null) output.Line($"  results     {Path.GetFullPath(outDir)}");
    }
}
