using System.Text.Json.Nodes;
using EfficientNetLab.Data;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Tests.Support;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Tests.Evaluation;

public class SampleCheckpointTests
{
    [Fact]
    public async Task Shipped_sample_predicts_what_torchvision_predicts_on_the_shipped_images()
    {
        // The notebooks' offline default: the checkpoint and its preset must give torchvision's verdict image for
        // image, or every lesson built on it teaches numbers a PyTorch user would not get.
        var checkpoint = Repo.SampleCheckpoint;
        var data = Repo.SampleImages;
        var reference = JsonNode.Parse(Repo.Run(Repo.Python, [Path.Combine(Repo.Root, "tests", "parity", "eval_imagefolder.py"), checkpoint, data]))!;

        using var loaded = await ModelLoader.LoadAsync(null, checkpoint);
        var dataset = DatasetIndex.Open(data, loaded);
        var result = await Evaluator.RunAsync(loaded, dataset.Samples, new EvalOptions { BatchSize = 100, MisclassifiedInSummary = int.MaxValue });

        Assert.Equal(reference["images"]!.GetValue<int>(), result.Metrics.Images);
        var kitMisses = result.Misclassified.ToDictionary(p => Path.GetRelativePath(data, p.Path).Replace('\\', '/'), p => p.Predicted);
        var classIndex = loaded.ClassNames.Select((name, i) => (name, i)).ToDictionary(c => c.name, c => c.i);
        var torchvisionMisses = reference["predictions"]!.AsObject()
            .Where(kv => kv.Value!.GetValue<int>() != classIndex[kv.Key.Split('/')[0]])
            .ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<int>());
        Assert.Equal(torchvisionMisses.OrderBy(kv => kv.Key), kitMisses.OrderBy(kv => kv.Key));
        Assert.Equal(reference["top1"]!.GetValue<double>(), result.Metrics.Top1.Value, 12);
    }

    [Fact]
    public async Task Shipped_sample_index_k_is_Fashion_MNIST_label_k()
    {
        using var loaded = await ModelLoader.LoadAsync(null, Repo.SampleCheckpoint);
        var labels = JsonNode.Parse(Repo.PythonCode("import json; from torchvision.datasets import FashionMNIST; print(json.dumps(FashionMNIST.classes))"))!
            .AsArray().Select(c => (string)c!).ToList();
        Assert.Equal(labels.Select(c => c.Replace('/', '_').Replace(' ', '_')), loaded.ClassNames);

        // The shipped images with their folders renamed to the dataset's label numbers, as a PyTorch user would store them.
        var numbered = Directory.CreateTempSubdirectory("effnet-fmnist-numbered").FullName;
        foreach (var dir in Directory.GetDirectories(Repo.SampleImages))
        {
            var label = labels.FindIndex(c => c.Replace('/', '_').Replace(' ', '_') == Path.GetFileName(dir));
            var target = Directory.CreateDirectory(Path.Combine(numbered, label.ToString())).FullName;
            foreach (var file in Directory.GetFiles(dir)) File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
        var byNumber = DatasetIndex.Open(numbered, loaded);
        var byName = DatasetIndex.Open(Repo.SampleImages, loaded);
        Assert.Equal(LabelMapping.NumberedFolders, byNumber.Mapping);
        Assert.Equal(LabelMapping.ClassNames, byName.Mapping);
        var options = new EvalOptions { BatchSize = 100 };
        var numberedResult = await Evaluator.RunAsync(loaded, byNumber, options);
        var namedResult = await Evaluator.RunAsync(loaded, byName, options);
        Assert.Equal(("numbered_folders", "class_names"), (numberedResult.Summary.Counts.ClassMappingName, namedResult.Summary.Counts.ClassMappingName));
        Assert.Equal(500, numberedResult.Metrics.Images);
        Assert.Equal(namedResult.Metrics.Top1.Value, numberedResult.Metrics.Top1.Value, 12);
        Assert.True(numberedResult.Metrics.Top1.Value >= 0.9, $"top-1 {numberedResult.Metrics.Top1.Value:P2} on numbered folders");
    }
}
