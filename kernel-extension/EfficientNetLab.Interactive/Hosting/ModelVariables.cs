using EfficientNetLab.Weights;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;

namespace EfficientNetLab.Interactive.Hosting;

/// <summary>
/// Models live as variables of the C# kernel, so that cells and magics see the same object: #!efficientnet
/// declares one, and --model NAME on the other magics reads it back.
/// </summary>
public sealed class ModelVariables(Kernel root)
{
    private readonly List<string> names = [];

    /// <summary>Variable names #!efficientnet has declared (completions for --model).</summary>
    public IReadOnlyList<string> Names { get { lock (names) return names.ToArray(); } }

    private CSharpKernel CSharp =>
        (root as CompositeKernel)?.ChildKernels.OfType<CSharpKernel>().FirstOrDefault() ?? root as CSharpKernel
        ?? throw new InvalidOperationException("no C# kernel in this notebook: EfficientNetLab.Interactive shares models through C# variables.");

    public async Task SetAsync(string name, LoadedModel model)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[A-Za-z_][A-Za-z0-9_]*$"))
            throw new ArgumentException($"--name {name} is not a C# identifier.");
        await CSharp.SetValueAsync(name, model, typeof(LoadedModel));
        lock (names) if (!names.Contains(name)) names.Add(name);
    }

    public LoadedModel Get(string name)
    {
        if (CSharp.TryGetValue<object>(name, out var value) && value is LoadedModel model) return model;
        throw new ArgumentException(value is null
            ? $"no model named '{name}': load one with #!efficientnet --model b0 --weights imagenet1k_v1 --name {name}."
            : $"'{name}' is a {value.GetType().Name}, not a model loaded by #!efficientnet.");
    }
}
