using System.Diagnostics;
using EfficientNetLab.Data;
using EfficientNetLab.Devices;
using EfficientNetLab.Imaging;
using EfficientNetLab.Models;
using EfficientNetLab.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace EfficientNetLab.Evaluation;

/// <summary>
/// Runs a model over a labelled dataset and reports what timm's validate.py reports, and more. Every batch's
/// predictions are appended to predictions.csv before the next one starts, and the summary is written at the
/// end and on cancellation, so an interrupted run loses nothing and <c>Resume</c> finishes it.
/// The model runs where <see cref="LoadedModel.Place"/> put it: the evaluator takes no device options, because
/// one that moved or halved the caller's model would leave it somewhere its owner (a notebook's model card) does
/// not say. Callers that want another placement place the model first, as the CLI's verbs do.
/// </summary>
public static class Evaluator
{
    /// <summary>Evaluates <paramref name="loaded"/> where it is placed on an indexed dataset; the summary records its class mapping.</summary>
    public static Task<EvalResult> RunAsync(LoadedModel loaded, DatasetIndex dataset, EvalOptions options,
        EvalPreset? preset = null, DecoderKind decoder = DecoderKind.Skia, IProgress<EvalProgress>? progress = null,
        Action<string>? log = null, CancellationToken cancellationToken = default) =>
        Run(loaded, dataset.Samples, dataset.Mapping, options, preset, decoder, progress, log, cancellationToken);

    /// <summary>Evaluates on samples the caller labelled; the summary's class mapping is then null.</summary>
    public static Task<EvalResult> RunAsync(LoadedModel loaded, IReadOnlyList<Sample> dataset, EvalOptions options,
        EvalPreset? preset = null, DecoderKind decoder = DecoderKind.Skia, IProgress<EvalProgress>? progress = null,
        Action<string>? log = null, CancellationToken cancellationToken = default) =>
        Run(loaded, dataset, null, options, preset, decoder, progress, log, cancellationToken);

    private static async Task<EvalResult> Run(LoadedModel loaded, IReadOnlyList<Sample> dataset, LabelMapping? mapping, EvalOptions options,
        EvalPreset? preset, DecoderKind decoder, IProgress<EvalProgress>? progress, Action<string>? log, CancellationToken cancellationToken)
    {
        preset ??= loaded.Preset;
        options.Validate(loaded, preset);
        var samples = options.Limit is int limit && limit < dataset.Count ? dataset.Take(limit).ToArray() : dataset;
        var model = loaded.Model;
        var placement = loaded.Placement;
        model.eval();
        foreach (var s in samples)
        {
            if (s.Label < 0 || s.Label >= model.NumClasses)
                throw new ArgumentException($"{s.Path}: label {s.Label} is outside the model's {model.NumClasses} classes.");
        }

        // A shard evaluates images [first, end) of the dataset under their dataset-wide indices.
        var shard = options.Shard is { } part ? ShardRecord.For(part, samples, loaded, options.BatchSize) : null;
        var (first, end) = shard is null ? (0, samples.Count) : (shard.Start, shard.End);
        var records = new RunRecords(model.NumClasses, options.MisclassifiedInSummary);
        int start = first;
        if (options.Resume)
        {
            var (previous, previousSkipped) = PredictionLog.Read(options.OutDir!);
            var recorded = previous.Select(p => p.Index).Concat(previousSkipped.Select(s => s.Index)).ToList();
            if (recorded.Count > 0 && (recorded.Min() != first || recorded.Max() >= end))
                throw new ArgumentException(
                    $"--resume: {options.OutDir} holds images {recorded.Min()}–{recorded.Max()}, which is not a start of " +
                    (shard is null ? $"the whole dataset (images 0–{end - 1})" : $"--shard {shard.Shard} (images {first}–{end - 1})") +
                    ": it is another shard's or run's folder.");
            records = RunRecords.Replay(model.NumClasses, previous, previousSkipped, options.MisclassifiedInSummary);
            start = recorded.Count == 0 ? first : recorded.Max() + 1;
            log?.Invoke(recorded.Count == 0 ? "nothing to resume: starting from the beginning" : $"resuming after image {start:N0} ({previous.Count:N0} predictions recorded)");
        }
        var metrics = records.Metrics;

        using var backend = new BackendForward(loaded, options.Backend, preset.CropSize, Math.Min(options.BatchSize, Math.Max(1, end - start)), log,
            shard: shard is not null);
        var forward = new ChunkedForward(backend.Forward, log);
        // As timm's validate.py: one forward pass on synthetic input before the clock starts, so the one-time set-up
        // (oneDNN primitives, cuDNN autotuning, ONNX Runtime's first run) is not billed to the first batches.
        WarmUp(forward, placement, preset.CropSize, Math.Min(options.BatchSize, end - start));

        // Only now, with the options checked and the model shown to run, is the run's folder touched.
        if (options.OutDir is not null)
        {
            if (options.Overwrite && RunFolder.Files(options.OutDir) is { Count: > 0 } old)
            {
                log?.Invoke($"--overwrite: replacing the run in {options.OutDir} ({old.Count} files)");
                RunFolder.Clear(options.OutDir);
            }
            Directory.CreateDirectory(options.OutDir);
        }
        using var predictionLog = options.OutDir is null ? null
            : options.Resume ? PredictionLog.Append(options.OutDir, options.TopK) : PredictionLog.Create(options.OutDir, options.TopK);
        var loader = new BatchLoader(end < samples.Count ? samples.Take(end).ToArray() : samples, new Preprocessor(preset, decoder), options.BatchSize, options.Workers,
            prefetch: 2, strict: options.Strict);

        var monitorCsv = options.OutDir is null ? null : RunFolder.NextMonitorFile(options.OutDir);
        await using var monitor = ResourceMonitor.Start(TimeSpan.FromSeconds(1), monitorCsv);
        var clock = Stopwatch.StartNew();
        var waiting = TimeSpan.Zero;
        long processedThisRun = 0;
        bool completed = false;
        var peakRss = new PeakMemory();
        try
        {
            await using var batches = loader.ReadAsync(start, cancellationToken).GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                var waitStart = clock.Elapsed;
                if (!await batches.MoveNextAsync()) break;
                waiting += clock.Elapsed - waitStart;
                using var batch = batches.Current;
                var predictions = batch.Count == 0 ? [] : Infer(batch, backend, forward, placement, options.TopK, preset.CropSize);
                predictionLog?.Write(predictions, batch.Skipped);
                records.Add(predictions, batch.Skipped);
                processedThisRun += batch.Count;
                peakRss.Sample();
                progress?.Report(new EvalProgress(metrics.Images + records.Skipped.Count, end - first, records.Skipped.Count,
                    processedThisRun / clock.Elapsed.TotalSeconds, metrics.Top1.Value, metrics.Top5.Value, clock.Elapsed));
                cancellationToken.ThrowIfCancellationRequested();
            }
            completed = true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            log?.Invoke($"cancelled after {metrics.Images:N0} images; results so far are kept" +
                        (options.OutDir is null ? "" : $" in {options.OutDir} (continue with --resume)"));
        }

        var wall = clock.Elapsed;
        await monitor.DisposeAsync();
        var names = loaded.ClassNames;
        var summary = records.Summarize(
            new EvalModelInfo(model.Variant.TorchvisionName, loaded.WeightsDescription, Math.Round(model.ParameterCount / 1e6, 3),
                loaded.Published?.Acc1, loaded.Published?.Acc5),
            completed, preset, decoder, samples.Count, dataset.Select(s => s.Label).Distinct().Count(), mapping,
            new EvalThroughput(backend.Choice.Backend, placement, DeviceName(placement.TorchDevice),
                Math.Round(wall.TotalSeconds > 0 ? processedThisRun / wall.TotalSeconds : 0, 2), options.BatchSize, forward.MaxChunk,
                options.Workers, Math.Round(peakRss.PeakBytes / 1048576.0, 1), Math.Round(wall.TotalSeconds, 3),
                Math.Round(wall.TotalSeconds > 0 ? waiting.TotalSeconds / wall.TotalSeconds : 0, 4), backend.Choice.Reason, backend.Choice.Probe,
                backend.OnnxImagesPerRun),
            monitor.Summary, names, shard);
        var result = records.ToResult(summary, names);
        if (options.OutDir is not null) result.WriteFiles(options.OutDir);
        return result;
    }


    private static string DeviceName(Device device)
    {
        var report = DeviceReport.Collect();
        return device.type == DeviceType.CUDA
            ? report.Gpus.FirstOrDefault(g => g.Index == device.index)?.Name ?? $"CUDA device {device.index}"
            : report.Cpu.Model ?? $"CPU ({Environment.ProcessorCount} cores)";
    }

    private static void WarmUp(ChunkedForward forward, ModelPlacement placement, int crop, int batchSize)
    {
        if (batchSize <= 0) return;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        forward.Run(placement.Input(zeros([batchSize, 3, crop, crop], ScalarType.Float32)));
    }

    private static List<Prediction> Infer(Batch batch, BackendForward backend, ChunkedForward forward, ModelPlacement placement, int topk, int crop)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var logits = backend.TryRunInPlace(batch.Data, batch.Count, crop, crop) ?? forward.Run(placement.Input(batch.ToTensor(crop)));
        var probabilities = logits.to_type(ScalarType.Float32).softmax(1);
        int k = Math.Min(topk, (int)probabilities.shape[1]);
        var (values, indices) = probabilities.topk(k);
        var p = values.cpu().data<float>().ToArray();
        var idx = indices.cpu().data<long>().ToArray();
        var result = new List<Prediction>(batch.Count);
        for (int i = 0; i < batch.Count; i++)
        {
            var (index, sample) = batch.Items[i];
            result.Add(new Prediction(index, sample.Path, sample.Label,
                idx.AsSpan(i * k, k).ToArray().Select(v => (int)v).ToArray(),
                p.AsSpan(i * k, k).ToArray().Select(v => Prediction.Round(v)).ToArray()));
        }
        return result;
    }

    /// <summary>
    /// Forward in chunks; on CUDA out-of-memory halve the chunk and retry (timm's --retry), remembering the size
    /// that fits for the rest of the run.
    /// </summary>
    internal sealed class ChunkedForward(Func<Tensor, Tensor> forward, Action<string>? log)
    {
        public int? MaxChunk { get; private set; }

        public Tensor Run(Tensor x)
        {
            int n = (int)x.shape[0];
            int chunk = Math.Min(n, MaxChunk ?? n);
            while (true)
            {
                try
                {
                    if (chunk >= n) return forward(x);
                    var parts = new List<Tensor>();
                    for (int s = 0; s < n; s += chunk) parts.Add(forward(x.narrow(0, s, Math.Min(chunk, n - s))));
                    return cat(parts, 0);
                }
                catch (Exception e) when (IsOutOfMemory(e) && chunk > 1)
                {
                    chunk /= 2;
                    MaxChunk = chunk;
                    log?.Invoke($"out of memory at batch {chunk * 2}: retrying with batch {chunk}");
                }
            }
        }

        private static bool IsOutOfMemory(Exception e) =>
            e.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase) ||
            (e.InnerException is not null && IsOutOfMemory(e.InnerException));
    }

    /// <summary>Process peak resident memory (VmHWM), which also covers libtorch's native allocations.</summary>
    private sealed class PeakMemory
    {
        public long PeakBytes { get; private set; }

        public void Sample()
        {
            try
            {
                foreach (var line in File.ReadLines("/proc/self/status"))
                {
                    if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
                    PeakBytes = Math.Max(PeakBytes, long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024);
                    return;
                }
            }
            catch (IOException)
            {
                PeakBytes = Math.Max(PeakBytes, Environment.WorkingSet);
            }
        }
    }
}
