using System.Globalization;
using System.Security.Cryptography;
using System.Threading.Channels;
using EfficientNetLab.Benchmarks;
using EfficientNetLab.Data;
using EfficientNetLab.Devices;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Imaging;
using EfficientNetLab.Options;
using EfficientNetLab.Weights;

namespace EfficientNetLab;

/// <summary>
/// The kit's steps, one call each, each returning a typed result: what every notebook magic is made of (the magic
/// parses its options into the request and shows the result), and what a lesson app or any C# program calls
/// without a kernel. EfficientNetLab.Reports renders the results as HTML or console text.
/// <para>Progress: a call given an <c>IProgress</c> reports to it; given none it reports nothing. Notes and warnings
/// of an accuracy run (dataset warnings, --overwrite, where --resume continues) go to its <c>log</c>, or to standard
/// error when there is none, so that a console program never loses them.</para>
/// </summary>
public static class Lab
{
    public const double MinimumWatchSeconds = 0.2;
    /// <summary>Longer side of the thumbnails a classification keeps.</summary>
    public const int ThumbnailSide = 160;

    /// <summary><c>#!efficientnet</c>: loads the model (downloading published weights into the torch-hub cache once)
    /// and places it where the request says; the caller owns (disposes) it.</summary>
    public static async Task<LoadedModel> LoadAsync(LoadRequest request, IProgress<DownloadProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var variant = LoadRequest.ModelOption.Parse(request.Model);
        var weights = LoadRequest.WeightsOption.Parse(request.Weights)!;
        var device = KitOptions.Device.Parse(request.Device);
        var loaded = await ModelLoader.LoadAsync(variant, weights, request.BaseUrl, progress, cancellationToken);
        try
        {
            loaded.Place(device, request.Half, request.ChannelsLast);
            return loaded;
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }

    /// <summary>The model card <c>#!efficientnet</c> shows for the model it bound to the variable <paramref name="name"/>.</summary>
    public static ModelCard Card(LoadedModel model, string name = LoadRequest.DefaultName)
    {
        long parameterBytes = model.Model.parameters().Sum(p => p.numel() * p.element_size());
        string? sha = null;
        if (model.WeightsPath is { } path)
        {
            using var stream = File.OpenRead(path);
            sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        return new ModelCard(name, model, sha, parameterBytes, Environment.WorkingSet);
    }

    /// <summary><c>#!classify</c>: the top classes of every image, file, folder or URL, where the model is placed.
    /// Each image is decoded once, for both its thumbnail and the model's input; progress gets each as it is done.</summary>
    public static async Task<ClassifyResult> ClassifyAsync(LoadedModel model, ClassifyRequest request, string modelName = LoadRequest.DefaultName,
        IProgress<ClassifiedImage>? progress = null, CancellationToken cancellationToken = default)
    {
        int topk = Checked(KitOptions.TopK, request.Topk);
        var warnings = new List<string>();
        var sources = ImageSources.Expand(request.Image ?? [], warnings.Add);
        using var predictor = new Predictor(model);
        var images = new List<ClassifiedImage>();
        foreach (var source in sources)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var image = ImageDecoder.Decode(await ImageSources.LocalPathAsync(source, cancellationToken));
            var classified = new ClassifiedImage(source, image.Thumbnail(ThumbnailSide), predictor.Classify(image, topk));
            images.Add(classified);
            progress?.Report(classified);
        }
        return new ClassifyResult(modelName, images, warnings);
    }

    /// <summary><c>#!preprocess IMAGE --model VARIANT</c>: the eval transform of the variant's default published weights.</summary>
    public static PreprocessResult Preprocess(PreprocessRequest request)
    {
        var variant = PreprocessRequest.ModelOption.Parse(request.Model)!;
        return Preprocess(Required(request.Image, "IMAGE"), CheckpointRegistry.Default(variant).Preset);
    }

    /// <summary><c>#!preprocess IMAGE --model NAME</c>: the eval transform of a loaded model's own weights.</summary>
    public static PreprocessResult Preprocess(string image, LoadedModel model) => Preprocess(Required(image, "IMAGE"), model.Preset);

    private static PreprocessResult Preprocess(string image, EvalPreset preset) => new(image, new Preprocessor(preset).Stages(image));

    /// <summary>
    /// <c>#!accuracy</c>: evaluates the model where it is placed over a labelled folder. Progress starts with the
    /// run's size before the first batch. Cancelling keeps what was done: the result is partial
    /// (<see cref="EvalResult.Completed"/> false) and, with <see cref="AccuracyRequest.Out"/>, saved for --resume.
    /// </summary>
    public static Task<EvalResult> AccuracyAsync(LoadedModel model, AccuracyRequest request, IProgress<EvalProgress>? progress = null,
        Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        log ??= Console.Error.WriteLine;
        var options = new EvalOptions
        {
            BatchSize = Checked(KitOptions.BatchSize, request.BatchSize), Workers = Checked(KitOptions.Workers, request.Workers),
            Limit = Checked(KitOptions.Limit, request.Limit), OutDir = request.Out, Resume = request.Resume, Overwrite = request.Overwrite,
            Strict = request.Strict, Backend = request.Backend,
        };
        var data = Required(request.Data, "--data");
        // Off the caller's thread: indexing a folder and the evaluator's warm-up pass block, and a kernel's cell
        // thread must stay free to show progress.
        return Task.Run(() =>
        {
            var dataset = DatasetIndex.Open(data, model, request.ClassMap);
            foreach (var w in dataset.Warnings) log($"warning: {w}");
            int total = options.Limit is int l && l < dataset.Samples.Count ? l : dataset.Samples.Count;
            progress?.Report(new EvalProgress(0, total, 0, 0, 0, 0, TimeSpan.Zero));
            return Evaluator.RunAsync(model, dataset, options, progress: progress, log: log, cancellationToken: cancellationToken);
        }, CancellationToken.None);
    }

    /// <summary><c>#!accuracy --run DIR</c>: a saved run (an --out of #!accuracy or effnet eval, a shard, a merge) read back.</summary>
    public static EvalResult OpenRun(string dir) => RunFolder.Load(Required(dir, "--run"));

    /// <summary><c>#!benchmark</c>: timed forward passes on synthetic input where the model is placed; progress gets
    /// one line per pass.</summary>
    public static Task<BenchmarkReport> BenchmarkAsync(LoadedModel model, BenchmarkRequest request, string modelName = LoadRequest.DefaultName,
        IProgress<string>? progress = null, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        var batches = Checked(KitOptions.BatchSizes, request.BatchSize);
        int? imageSize = Checked(KitOptions.ImageSize, request.ImageSize), threads = Checked(KitOptions.Threads, request.Threads);
        int warmup = Checked(KitOptions.Warmup, request.Warmup), repeats = Checked(KitOptions.Repeats, request.Repeats);
        return Task.Run(() => new BenchmarkReport(modelName,
            ModelBenchmark.Run(model, batches, imageSize, request.Backend, warmup, repeats, threads, progress, cancellationToken, log,
                request.Onnx is { } onnx ? Path.GetFullPath(onnx) : null)), CancellationToken.None);
    }

    /// <summary><c>#!cuda-info</c>: the GPUs as the driver sees them, TorchSharp's CUDA, the CPU.</summary>
    public static DeviceReport DeviceInfo() => DeviceReport.Collect();

    /// <summary>
    /// <c>#!cuda-info --watch</c>: samples until <see cref="WatchRequest.Samples"/> are taken or the call is cancelled;
    /// cancelling is how an unbounded watch ends, so it returns the samples taken rather than throwing. Progress
    /// gets the samples so far after each one.
    /// </summary>
    public static async Task<WatchResult> WatchAsync(WatchRequest request, IProgress<WatchResult>? progress = null,
        CancellationToken cancellationToken = default)
    {
        if (!(request.Watch >= MinimumWatchSeconds))
            throw new ArgumentException($"--watch must be at least {MinimumWatchSeconds.ToString(CultureInfo.InvariantCulture)} seconds, got {request.Watch}.");
        if (request.Samples is < 1) throw new ArgumentException("--samples must be at least 1.");
        // The monitor samples on its own thread; progress is reported here, on the caller's, as each sample arrives.
        var arrived = Channel.CreateUnbounded<ResourceSample>();
        var samples = new List<ResourceSample>();
        await using (ResourceMonitor.Start(TimeSpan.FromSeconds(request.Watch), onSample: s => arrived.Writer.TryWrite(s)))
        {
            try
            {
                while (request.Samples is not int n || samples.Count < n)
                {
                    samples.Add(await arrived.Reader.ReadAsync(cancellationToken));
                    progress?.Report(new WatchResult(samples.ToArray(), Stopped: false));
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
        }
        return new WatchResult(samples.ToArray(), Stopped: true);
    }

    /// <summary>A request's value checked by its option's rule, as if typed after the option: the same message as
    /// the magic's and the CLI's for the same value.</summary>
    private static T Checked<T>(OptionDefinition<T> option, T value) => value switch
    {
        null => value,
        int n => option.Parse(n.ToString(CultureInfo.InvariantCulture)),
        int[] list => option.Parse(string.Join(',', list.Select(n => n.ToString(CultureInfo.InvariantCulture)))),
        _ => throw new ArgumentException($"{option.Name}: no rule for a {typeof(T).Name} value."),
    };

    private static string Required(string? value, string option) =>
        string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"{option} is required.") : value;
}
