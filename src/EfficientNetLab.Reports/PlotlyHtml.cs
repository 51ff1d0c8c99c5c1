using System.Text;
using Plotly.NET;

namespace EfficientNetLab.Reports;

/// <summary>
/// Renders Plotly.NET charts for notebooks that may be offline: plotly.js comes from the copy embedded in
/// Plotly.NET.dll, sent once per kernel session, and every chart after that is only its div and a newPlot call.
/// Plotly.NET.Interactive's own formatter loads plotly.js through require.js from a CDN, which fails offline and
/// does nothing in JupyterLab 4 / Notebook 7, where require.js does not exist.
/// </summary>
public static class PlotlyHtml
{
    private const string ResourceName = "Plotly.NET.plotly-2.28.0.min.js";
    private static int scriptSent;
    private static readonly Lazy<string> Script = new(LoadScript);

    /// <summary>True once plotly.js has been written into some output of this kernel session.</summary>
    public static bool ScriptSent => Volatile.Read(ref scriptSent) == 1;

    /// <summary>
    /// The &lt;script&gt; element that defines window.Plotly. plotly.js is a UMD bundle: where require.js is present
    /// (classic notebook, nbconvert's HTML) it would register itself as an anonymous AMD module and leave
    /// window.Plotly unset, so define, exports and module are shadowed while it runs.
    /// </summary>
    public static string ScriptElement() =>
        "<script type=\"text/javascript\" data-effnet=\"plotly.js\">(function(define, exports, module){\n" + Script.Value +
        "\n}).call(window);</script>";

    /// <summary>plotly.js the first time this is called in the session, nothing afterwards.</summary>
    public static string ScriptElementOnce() => Interlocked.Exchange(ref scriptSent, 1) == 0 ? ScriptElement() : "";

    /// <summary>The runtime types of every chart: GenericChart's union cases, the F# compiler's nested subclasses.</summary>
    public static IReadOnlyList<Type> ChartTypes { get; } = FindChartTypes();

    public static string Render(GenericChart chart)
    {
        var noReference = DisplayOptions.init(null, null, null, null, null, null, PlotlyJSReference.NoReference);
        string script;
        if (page.Value is { } p)
        {
            p.Charts = true;
            script = "";
        }
        else script = ScriptElementOnce();
        return script + GenericChart.toChartHTML(GenericChart.addDisplayOptions(noReference, chart));
    }

    /// <summary>A standalone page being rendered: it carries plotly.js in its head, so its charts carry none.</summary>
    private sealed class Page
    {
        public bool Charts;
    }

    private static readonly AsyncLocal<Page?> page = new();

    /// <summary>
    /// Renders a page's body with charts that leave plotly.js to the page (whatever this session has sent to a
    /// notebook), and says whether it drew any, i.e. whether the page needs <see cref="ScriptElement"/>.
    /// </summary>
    internal static (string Body, bool Charts) RenderPage(Func<string> body)
    {
        var previous = page.Value;
        var current = page.Value = new Page();
        try
        {
            return (body(), current.Charts);
        }
        finally
        {
            page.Value = previous;
        }
    }

    /// <summary>A chart from raw plotly.js traces (name → value pairs) and layout settings.</summary>
    public static GenericChart Chart(IEnumerable<Trace> traces, string? title = null, int width = 640, int height = 360,
        params (string Key, object Value)[] layout)
    {
        var chart = GenericChart.combine(traces.Select(t => GenericChart.ofTraceObject(true, t)));
        var l = new Layout();
        l.SetProperty("width", width);
        l.SetProperty("height", height);
        l.SetProperty("margin", new Dictionary<string, int> { ["l"] = 60, ["r"] = 20, ["t"] = title is null ? 20 : 50, ["b"] = 50 });
        if (title is not null) l.SetProperty("title", new Dictionary<string, string> { ["text"] = title });
        foreach (var (key, value) in layout) l.SetProperty(key, value);
        return GenericChart.addLayout(l, chart);
    }

    public static Trace Trace(string type, params (string Key, object? Value)[] properties)
    {
        var t = new Trace(type);
        foreach (var (key, value) in properties)
            if (value is not null) t.SetProperty(key, value);
        return t;
    }

    public static string Describe(GenericChart chart)
    {
        var traces = GenericChart.getTraces(chart).ToList();
        var sb = new StringBuilder($"Plotly chart: {traces.Count} trace(s)");
        foreach (var t in traces)
            sb.Append($"\n  {t.TryGetPropertyValue("type")?.Value ?? "?"}{(t.TryGetPropertyValue("name")?.Value is { } n ? $" \"{n}\"" : "")}");
        return sb.ToString();
    }

    private static Type[] FindChartTypes()
    {
        var cases = typeof(GenericChart).GetNestedTypes().Where(t => t.IsSubclassOf(typeof(GenericChart))).ToArray();
        return cases.Length > 0 ? cases
            : throw new InvalidOperationException($"Plotly.NET's {nameof(GenericChart)} no longer has union-case subclasses: update {nameof(PlotlyHtml)}.{nameof(ChartTypes)}.");
    }

    private static string LoadScript()
    {
        using var stream = typeof(GenericChart).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Plotly.NET.dll no longer embeds {ResourceName}: update {nameof(PlotlyHtml)}.");
        using var reader = new StreamReader(stream);
        // An HTML parser ends a script element at the first "</script", wherever it is in the JavaScript.
        return reader.ReadToEnd().Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase);
    }
}
