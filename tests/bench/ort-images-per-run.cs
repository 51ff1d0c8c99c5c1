// How many images one ONNX Runtime run should be given (OnnxRuntimeModel.ImagesPerRun): plain ONNX Runtime, as
// ort-harness.cs runs it, pushes the same 32 images through as 32 runs of 1, 16 of 2, ... 1 of 32, taking turns
// within one process (so a burst of load elsewhere hits every split alike), and prints images/s per split. What it
// showed on this machine is in docs/benchmarks.md.
//   dotnet run tests/bench/ort-images-per-run.cs -c Release -- FILE.onnx [rounds=12] [splits=32,16,8,4,2] [threads=2]
// FILE needs a dynamic batch (effnet export-onnx --dynamic-batch); the image size is the file's.
#:package Microsoft.ML.OnnxRuntime@1.31.1
#:property PublishAot=false
using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;

string path = args.ElementAtOrDefault(0) ?? throw new ArgumentException("usage: ort-images-per-run.cs FILE.onnx [rounds] [splits] [threads]");
int rounds = int.Parse(args.ElementAtOrDefault(1) ?? "12");
int[] splits = (args.ElementAtOrDefault(2) ?? "32,16,8,4,2").Split(',').Select(int.Parse).ToArray();
int threads = int.Parse(args.ElementAtOrDefault(3) ?? "2");
const int Images = 32;
if (splits.Any(s => s < 1 || Images % s != 0)) throw new ArgumentException($"each split must divide {Images}.");

using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = threads };
using var session = new InferenceSession(path, options);
using var runOptions = new RunOptions();
var (inputName, input) = session.InputMetadata.Single();
int size = input.Dimensions[2];
if (size < 1 || input.Dimensions[0] >= 0) throw new ArgumentException($"{path} needs a dynamic batch and a fixed image size.");
int imageFloats = 3 * size * size;
var random = new Random(0);
var data = new float[Images * imageFloats];
for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 2 - 1);

double Pass(int perRun)
{
    var clock = Stopwatch.StartNew();
    for (int first = 0; first < Images; first += perRun)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
            new Memory<float>(data, first * imageFloats, perRun * imageFloats), [perRun, 3, size, size]);
        using var outputs = session.Run(runOptions, new Dictionary<string, OrtValue> { [inputName] = value }, session.OutputNames);
    }
    return clock.Elapsed.TotalSeconds;
}

foreach (int split in splits) { Pass(split); Pass(split); }
var times = splits.ToDictionary(s => s, _ => new List<double>());
for (int r = 0; r < rounds; r++)
    foreach (int split in r % 2 == 0 ? splits : splits.Reverse())
        times[split].Add(Pass(split));
Console.WriteLine($"{size}², {threads} threads, {Images} images a pass, {rounds} passes per split");
foreach (int split in splits)
{
    var t = times[split].Order().ToList();
    Console.WriteLine($"images per run {split,2}: median {Images / t[t.Count / 2],6:F1} img/s, best {Images / t[0],6:F1} img/s");
}
