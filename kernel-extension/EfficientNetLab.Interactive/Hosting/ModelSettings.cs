using System.Runtime.CompilerServices;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Interactive.Hosting;

/// <summary>
/// How #!efficientnet placed a model (device, dtype, memory format). LoadedModel does not carry these, and
/// #!accuracy / #!benchmark use them as their defaults so that the model is run the way it was loaded.
/// </summary>
public sealed record ModelSettings(string Device, bool Half, bool ChannelsLast)
{
    private static readonly ConditionalWeakTable<LoadedModel, ModelSettings> Table = new();

    public static readonly ModelSettings Default = new("cpu", false, false);

    public static ModelSettings Of(LoadedModel model) => Table.TryGetValue(model, out var s) ? s : Default;

    public static void Set(LoadedModel model, ModelSettings settings) => Table.AddOrUpdate(model, settings);
}
