// Images/s of EfficientNet through ONNX Runtime and through TorchSharp on the CPU: same weights, same threads,
// same method as ModelBenchmark (warm-up, then the median of timed batches).
//   dotnet run tests/bench/onnx-vs-torchsharp.cs -c Release -- [variant=b0] [threads=2] [size=224] [batches=1,32] [repeats=10]
#:project ../../src/EfficientNetLab/EfficientNetLab.csproj
#:property UsesTorchNative=true
#:property RuntimeIdentifier=linux-x64
#:property SelfContained=false
#:property PublishAot=false
using System.Diagnostics;
using EfficientNetLab.Benchmarks;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Export;
using EfficientNetLab.Weights;
using static TorchSharp.torch;

string variant = args.ElementAtOrDefault(0) ?? "b0";
int threads = int.Parse(args.ElementAtOrDefault(1) ?? "2");
int size = int.Parse(args.ElementAtOrDefault(2) ?? "224");
int[] batches = (args.ElementAtOrDefault(3) ?? "1,32").Split(',').Select(int.Parse).ToArray();
int repeats = int.Parse(args.ElementAtOrDefault(4) ?? "10");
const int warmup = 3;

using var loaded = await ModelLoader.LoadAsync(variant, "random");
var path = Path.Combine(Path.GetTempPath(), $"effnet-bench-{variant}-{size}.onnx");
OnnxExporter.Export(loaded, path, new OnnxExportOptions { DynamicBatch = true, ImageSize = size });
using var onnx = new OnnxRuntimeModel(path, threads);
Console.WriteLine($"{loaded.Model.Variant.TorchvisionName} {size}x{size} float32, {threads} threads, {Environment.ProcessorCount} CPUs, " +
                  $"oneDNN ISA cap {EfficientNetLab.Devices.TorchRuntime.OneDnnMaxIsa}, median of {repeats} after {warmup} warm-up");
Console.WriteLine("batch  backend      images/s  median ms  p90 ms");

foreach (int batch in batches)
{
    using var x = randn(batch, 3, size, size);
    var input = x.data<float>().ToArray();
    var logits = new float[batch * onnx.NumClasses];
    var times = new List<double>();
    for (int i = 0; i < warmup + repeats; i++)
    {
        var clock = Stopwatch.StartNew();
        onnx.Run(input, batch, logits);
        if (i >= warmup) times.Add(clock.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    Print(batch, "onnxruntime", times[times.Count / 2], times[(int)Math.Ceiling(0.9 * (times.Count - 1))]);
    var torch = ModelBenchmark.Run(loaded, [batch], size, InferenceBackend.LibTorch, warmup: warmup, repeats: repeats, threads: threads)[0];
    Print(batch, "torchsharp", torch.MedianBatchMs, torch.P90BatchMs);
}
File.Delete(path);

void Print(int batch, string backend, double medianMs, double p90Ms) =>
    Console.WriteLine($"{batch,5}  {backend,-11}  {batch / (medianMs / 1000),8:F1}  {medianMs,9:F1}  {p90Ms,6:F1}");
