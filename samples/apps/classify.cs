// Classifies images with the shipped Fashion-MNIST EfficientNet-B0 through the library's public API: no notebook
// kernel, no Jupyter, no network. A .NET 10 file-based app, run from the repository root or from this folder:
//   dotnet run samples/apps/classify.cs [IMAGE...]     (default: one shipped test image per class)
#:project ../../src/EfficientNetLab/EfficientNetLab.csproj
// The native libtorch the CLI carries (Directory.Build.targets; -p:TorchBackend=cuda for the CUDA build).
#:property UsesTorchNative=true
// File-based apps default to Native AOT settings, which turn reflection-based System.Text.Json off; the library
// reads checkpoint sidecars with it.
#:property PublishAot=false
using EfficientNetLab.Evaluation;
using EfficientNetLab.Weights;

// Set by `dotnet run file.cs`: paths below resolve from this file, not from wherever the command was typed.
var here = AppContext.GetData("EntryPointFileDirectoryPath") as string
    ?? throw new InvalidOperationException("run this file with `dotnet run classify.cs` (.NET 10 SDK or later)");
var sample = Path.GetFullPath(Path.Combine(here, "..", "fashion-mnist"));
var images = args.Length > 0 ? args
    : Directory.GetDirectories(Path.Combine(sample, "test")).Order(StringComparer.Ordinal)
        .Select(d => Directory.GetFiles(d, "*.png").Order(StringComparer.Ordinal).First()).ToArray();

using var model = await ModelLoader.LoadAsync(null, Path.Combine(sample, "efficientnet_b0_fashion_mnist.pth"));
using var predictor = new Predictor(model);
Console.WriteLine($"{model.WeightsDescription}: {model.Model.Variant.TorchvisionName}, {model.ClassNames.Count} classes, {predictor.Preset}");
foreach (var image in images)
{
    Console.WriteLine(Path.GetRelativePath(Path.GetFullPath(Path.Combine(here, "..", "..")), Path.GetFullPath(image)));
    foreach (var s in predictor.Classify(image, topk: 3))
        Console.WriteLine($"  {s.Probability * 100,6:0.00}%  {s.Label}");
}
