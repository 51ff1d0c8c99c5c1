using System.CommandLine;
using EfficientNetLab.Options;

namespace EfficientNetLab.Cli.Commands;

/// <summary>
/// System.CommandLine options built from the kit's shared definitions (<see cref="KitOptions"/>), which the notebook
/// magics use too; each verb gets its own instances.
/// </summary>
internal static class CommonOptions
{
    /// <summary>The option <paramref name="definition"/> describes: its names, default and parser, so a bad value
    /// is refused with the same message as in a notebook.</summary>
    public static Option<T> From<T>(OptionDefinition<T> definition, bool required = false)
    {
        var option = new Option<T>(definition.Name, [.. definition.Aliases])
        {
            Description = definition.Description,
            Required = required,
            Arity = new ArgumentArity(definition.Arity, definition.Arity),
            AllowMultipleArgumentsPerToken = definition.Arity > 1,
            CustomParser = result =>
            {
                if (result.Tokens.Count == 0) return definition.Default;
                try
                {
                    return definition.Parse(result.Tokens.Select(t => t.Value).ToArray());
                }
                catch (OptionValueException e)
                {
                    result.AddError(e.Message);
                    return default!;
                }
            },
        };
        if (!required) option.DefaultValueFactory = _ => definition.Default;
        // The values the definition suggests, as they are typed (not the enum's member names).
        if (definition.Suggestions.Count > 0 && typeof(T).IsEnum) option.HelpName = string.Join('|', definition.Suggestions);
        return option;
    }

    public static Option<bool> Json() => new("--json") { Description = "Print one JSON object on stdout and nothing else there." };

    public static Option<string?> Model(bool required) => From(KitOptions.Model, required);

    public static Option<string?> Weights(string defaultValue) => From(KitOptions.Weights.WithDefault(defaultValue));

    public static Option<int> Workers() => From(KitOptions.Workers);

    public static Option<string> Device() => From(KitOptions.Device);

    public static Option<EfficientNetLab.Evaluation.InferenceBackend> Backend() => From(KitOptions.Backend);

    public static Option<string?> BaseUrl() => new("--base-url")
    {
        Description = "Mirror that replaces torchvision's download host (also EFFNET_WEIGHTS_BASE_URL).",
    };
}
