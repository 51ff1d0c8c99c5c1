// Images/s of EfficientNet through ONNX Runtime and through TorchSharp on the CPU, same weights, same threads.
//   dotnet run tests/bench/onnx-vs-torchsharp.cs -c Release -- [variant=b0] [threads=2] [size=224] [batches=1,32]
#:project ../../src/EfficientNetLab/EfficientNetLab.csproj
#:property UsesTorchNative=true
#:property RuntimeIdentifier=linux-x64
#:property SelfContained=false
#:property PublishAot=false
using System.Diagnostics;
using EfficientNetLab.Export;
using EfficientNetLab.Weights;
using static TorchSharp.torch;

string variant = args.ElementAtOrDefault(0) ?? "b0";
int threads = int.Parse(args.ElementAtOrDefault(1) ?? "2");
int size = int.Parse(args.ElementAtOrDefault(2) ?? "224");
int[] batches = (args.ElementAtOrDefault(3) ?? "1,32").Split(',').Select(int.Parse).ToArray();

set_num_threads(threads);
set_num_interop_threads(1);
using var loaded = await ModelLoader.LoadAsync(variant, "random");
var path = Path.Combine(Path.GetTempPath(), $"effnet-bench-{variant}-{size}.onnx");
OnnxExporter.Export(loaded, path, new OnnxExportOptions { DynamicBatch = true, ImageSize = size });
using var onnx = new OnnxRuntimeModel(path, threads);
Console.WriteLine($"{variant} {size}x{size}, {threads} threads, {Environment.ProcessorCount} CPUs, oneDNN ISA cap {EfficientNetLab.Devices.TorchRuntime.OneDnnMaxIsa}");
Console.WriteLine("batch  backend       images/s  ms/batch");

foreach (int batch in batches)
{
    using var x = randn(batch, 3, size, size);
    var input = x.data<float>().ToArray();
    var logits = new float[batch * onnx.NumClasses];
    Report(batch, "onnxruntime", () => onnx.Run(input, batch, logits));
    Report(batch, "torchsharp", () =>
    {
        using var _ = no_grad();
        using var y = loaded.Model.forward(x);
    });
}
File.Delete(path);

// Warm up, then time whole batches for at least ~10 s or 5 runs.
static void Report(int batch, string name, Action run)
{
    for (int i = 0; i < 3; i++) run();
    var watch = Stopwatch.StartNew();
    int runs = 0;
    while (runs < 5 || watch.Elapsed.TotalSeconds < 10) { run(); runs++; }
    double seconds = watch.Elapsed.TotalSeconds / runs;
    Console.WriteLine($"{batch,5}  {name,-12}  {batch / seconds,8:F1}  {seconds * 1000,8:F1}");
}
