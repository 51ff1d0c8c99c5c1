namespace EfficientNetLab.Data;

/// <summary>
/// A checkpoint that names its classes over a dataset whose folders fit none of the <see cref="LabelMapping"/>
/// rules: which folder is which class is unknown, and <c>--class-map</c> decides.
/// </summary>
public sealed class ClassMappingException(string message) : Exception(message);
