using System.CommandLine;
using EfficientNetLab.Devices;
using EfficientNetLab.Options;
using EfficientNetLab.Data;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Imaging;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Cli.Commands;

internal static class EvalCommand
{
    public static Command Create(Output output)
    {
        var weights = CommonOptions.From(KitOptions.Weights.WithDefault(null, "Checkpoint file, or published weights (imagenet1k_v1, imagenet1k_v2, default)."), required: true);
        var model = CommonOptions.Model(required: false);
        var data = new Option<string>("--data", "-d") { Description = "ImageFolder (class sub-folders; ImageNet wnid folders map to ImageNet indices) or a flat ImageNet val folder with LOC_val_solution.csv.", Required = true };
        var classMap = new Option<string?>("--class-map") { Description = "timm-style class map: one folder name per line, line number = class index." };
        var batchSize = CommonOptions.From(KitOptions.BatchSize);
        var workers = CommonOptions.Workers();
        var device = CommonOptions.Device();
        var half = new Option<bool>("--half") { Description = "fp16 model and inputs (GPU)." };
        var channelsLast = new Option<bool>("--channels-last") { Description = ModelPlacement.ChannelsLastHelp };
        var limit = CommonOptions.From(KitOptions.Limit.WithDefault(null, "Evaluate only the first N images."));
        var outDir = new Option<string?>("--out", "-o") { Description = "Folder for predictions.csv, skipped.csv, per_class.csv, confusion.csv, summary.json." };
        var resume = new Option<bool>("--resume") { Description = "Continue the run recorded in --out after its last image." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace the run already recorded in --out (its files only)." };
        var shard = new Option<Shard?>("--shard")
        {
            Description = "Evaluate only shard I of N (I/N, from 0): the I-th of N contiguous blocks of whole batches of the dataset, recorded under dataset-wide indices; combine the shards with 'effnet eval merge'.",
            CustomParser = r =>
            {
                try
                {
                    return Shard.Parse(r.Tokens.Single().Value);
                }
                catch (ArgumentException e)
                {
                    r.AddError(e.Message);
                    return null;
                }
            },
        };
        var strict = new Option<bool>("--strict") { Description = "Stop at the first unreadable image instead of skipping it." };
        var backend = CommonOptions.Backend();
        var baseUrl = CommonOptions.BaseUrl();
        var json = CommonOptions.Json();
        var overrides = new PresetOverrides();
        var command = new Command("eval", "Accuracy run over a labelled image folder: top-1/top-5 with intervals, per-class metrics, confusion, calibration.")
        {
            weights, model, data, classMap, batchSize, workers, device, half, channelsLast, limit, shard, outDir, resume, overwrite, strict, backend, baseUrl, json,
        };
        overrides.AddTo(command);
        command.Subcommands.Add(MergeCommand(output));
        command.SetAction(async (parse, ct) =>
        {
            bool asJson = parse.GetValue(json);
            try
            {
                using var loaded = await Lab.LoadAsync(new LoadRequest
                {
                    Model = parse.GetValue(model), Weights = parse.GetValue(weights), Device = parse.GetValue(device),
                    Half = parse.GetValue(half), ChannelsLast = parse.GetValue(channelsLast), BaseUrl = parse.GetValue(baseUrl),
                }, output.DownloadBar("weights"), ct);
                var dataset = DatasetIndex.Open(parse.GetValue(data)!, loaded, parse.GetValue(classMap));
                foreach (var w in dataset.Warnings) output.Err.WriteLine($"effnet: warning: {w}");
                var options = new EvalOptions
                {
                    BatchSize = parse.GetValue(batchSize), Workers = parse.GetValue(workers), Limit = parse.GetValue(limit),
                    Shard = parse.GetValue(shard), OutDir = parse.GetValue(outDir), Resume = parse.GetValue(resume), Overwrite = parse.GetValue(overwrite),
                    Strict = parse.GetValue(strict), Backend = parse.GetValue(backend),
                };
                var result = await Evaluator.RunAsync(loaded, dataset, options, overrides.Apply(parse, loaded.Preset), overrides.Decoder(parse),
                    output.EvalBar(), output.Note, ct);
                output.EndProgress();
                if (asJson) output.Json(result.Summary.ToJson());
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

    private static Command MergeCommand(Output output)
    {
        var runs = new Argument<string[]>("RUN") { Description = "The run folders of the shards 0/N … N-1/N (effnet eval --shard I/N --out RUN).", Arity = ArgumentArity.OneOrMore };
        var outDir = new Option<string>("--out", "-o") { Description = "Folder for the merged run (the files of an unsharded run).", Required = true };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace the run already recorded in --out (its files only)." };
        var json = CommonOptions.Json();
        var command = new Command("merge", "Combine the run folders of --shard I/N runs into the run folder of the whole dataset: " +
                                           "metrics recomputed from every image's record, as if one process had run it.") { runs, outDir, overwrite, json };
        command.SetAction(parse =>
        {
            bool asJson = parse.GetValue(json);
            try
            {
                var result = RunMerge.Merge(parse.GetValue(runs)!, parse.GetValue(outDir)!, parse.GetValue(overwrite), line => output.Err.WriteLine($"effnet: {line}"));
                if (asJson) output.Json(result.Summary.ToJson());
                else PrintSummary(output, result, parse.GetValue(outDir));
                return 0;
            }
            catch (Exception e)
            {
                return output.Fail(e, asJson);
            }
        });
        return command;
    }

    private static void PrintSummary(Output output, EvalResult r, string? outDir)
    {
        var s = r.Summary;
        void L(FormattableString line) => output.Line(FormattableString.Invariant(line));
        string Published(double? value) => value is { } v ? FormattableString.Invariant($"  published {v}%") : "";
        L($"{s.Model.Name}  {s.Model.Weights}{(s.Completed ? "" : "  (INTERRUPTED: partial results)")}");
        L($"  images      {s.Counts.Images:N0} evaluated, {s.Counts.Skipped:N0} skipped");
        L($"  classes     {s.Counts.ClassesDescription}");
        L($"  top-1       {s.Top1.Value}%  (95% CI {s.Top1.Low}–{s.Top1.High}){Published(s.Model.PublishedTop1)}");
        L($"  top-5       {s.Top5.Value}%  (95% CI {s.Top5.Low}–{s.Top5.High}){Published(s.Model.PublishedTop5)}");
        L($"  ECE         {s.Ece}");
        L($"  preset      {s.Preset}, decoder {s.Decoder.Name()}");
        var t = s.Throughput;
        L($"  throughput  {t.ImagesPerSecond} img/s on {t.Placement}, {t.BackendName}, batch {t.BatchSize}, data wait {t.DataWaitFraction * 100:0}%, peak memory {t.PeakMemoryMb} MB");
        foreach (var f in s.SkippedFiles.Take(20)) L($"  skipped     {f.Path}: {f.Reason}");
        if (s.SkippedFiles.Count > 20) L($"  skipped     … {s.SkippedFiles.Count - 20} more (skipped.csv)");
        if (outDir is not null) L($"  results     {Path.GetFullPath(outDir)}");
    }
}
