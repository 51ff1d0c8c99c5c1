using System.Text;
using System.Text.RegularExpressions;

namespace EfficientNetLab.Reports;

/// <summary>
/// Where a lesson run as a file-based app puts what its notebook would show: every value's text on standard
/// output, and every value that has an HTML view as a self-contained page <c>NN-kind.html</c> in the lesson's
/// output folder, numbered in the order shown.
/// </summary>
public sealed partial class LessonOutput
{
    /// <summary>Overrides the output folder (the folder itself, not a parent of lesson folders).</summary>
    public const string FolderVariable = "EFFNET_OUT";

    private int pages;

    private LessonOutput(string lesson, string folder)
    {
        Lesson = lesson;
        Folder = folder;
    }

    public string Lesson { get; }
    public string Folder { get; }

    /// <summary>
    /// The output of <paramref name="lesson"/>: <c>$EFFNET_OUT</c>, else <c>out/LESSON</c> beside the app's .cs file
    /// (<c>dotnet run</c> tells the app where that is), else <c>out/LESSON</c> in the current directory. Pages a
    /// previous run left there are removed, so the folder holds this run's only.
    /// </summary>
    public static LessonOutput Open(string lesson)
    {
        if (string.IsNullOrWhiteSpace(lesson) || lesson.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            throw new ArgumentException($"'{lesson}' is not a lesson name (a file name such as 04-evaluation).", nameof(lesson));
        var folder = Environment.GetEnvironmentVariable(FolderVariable) is { Length: > 0 } given ? given
            : Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string ?? Directory.GetCurrentDirectory(), "out", lesson);
        folder = Path.GetFullPath(folder);
        Directory.CreateDirectory(folder);
        foreach (var old in Directory.EnumerateFiles(folder, "*.html").Where(f => PageName().IsMatch(Path.GetFileName(f))).ToList())
            File.Delete(old);
        return new LessonOutput(lesson, folder);
    }

    /// <summary>Prints <see cref="Report.Text"/> of <paramref name="value"/>; when it has an HTML view, also writes
    /// the next page and prints one line naming it.</summary>
    public void Show(object? value)
    {
        Console.WriteLine(Report.Text(value));
        if (value is null || !Report.Types.Any(t => t.IsInstanceOfType(value))) return;
        var kind = Kind(value.GetType());
        var file = Path.Combine(Folder, $"{++pages:00}-{kind}.html");
        Report.SaveHtml(value, file, $"{Lesson}: {Path.GetFileNameWithoutExtension(file)}");
        Console.WriteLine($"→ {Path.GetRelativePath(Directory.GetCurrentDirectory(), file)}");
    }

    /// <summary>The type's name in kebab case (ModelCard → model-card); a chart is a chart whichever union case it is.</summary>
    internal static string Kind(Type type)
    {
        var named = Report.Types.FirstOrDefault(t => t.IsAssignableFrom(type)) ?? type;
        var name = named.Name.Split('`')[0];
        if (named == typeof(Plotly.NET.GenericChart)) name = "Chart";
        var kebab = new StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1])))) kebab.Append('-');
            kebab.Append(char.ToLowerInvariant(name[i]));
        }
        return kebab.ToString();
    }

    [GeneratedRegex(@"^\d{2,}-[a-z0-9-]+\.html$")]
    private static partial Regex PageName();
}
