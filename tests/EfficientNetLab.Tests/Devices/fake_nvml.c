/*
 * A stand-in for libnvidia-ml.so.1 with two fixed GPUs, compiled by NvmlFake.cs:
 *   gcc -shared -fPIC [-DOLD_DRIVER] -o DIR/libnvidia-ml.so.1 fake_nvml.c
 * Signatures, structs and codes follow nvml.h. GPU 0 answers everything; GPU 1 has a name longer than
 * NVML_DEVICE_NAME_V2_BUFFER_SIZE (forcing the INSUFFICIENT_SIZE retry) and no power or temperature readings.
 * -DOLD_DRIVER leaves out nvmlDeviceGetTemperatureV and nvmlSystemGetCudaDriverVersion_v2, as older drivers do.
 */
#include <string.h>

typedef int nvmlReturn_t;
typedef struct fake_gpu *nvmlDevice_t;
typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct { unsigned int gpu, memory; } nvmlUtilization_t;
typedef struct { unsigned int version; int sensorType; int temperature; } nvmlTemperature_v1_t;
#define nvmlTemperature_v1 ((unsigned int)(sizeof(nvmlTemperature_v1_t) | (1u << 24)))

enum {
    NVML_SUCCESS = 0, NVML_ERROR_UNINITIALIZED = 1, NVML_ERROR_INVALID_ARGUMENT = 2, NVML_ERROR_NOT_SUPPORTED = 3,
    NVML_ERROR_INSUFFICIENT_SIZE = 7, NVML_ERROR_ARGUMENT_VERSION_MISMATCH = 25, NVML_ERROR_DEPRECATED = 26,
};

struct fake_gpu {
    const char *name, *uuid;
    nvmlMemory_t memory;
    nvmlUtilization_t utilization;
    int has_sensors;
    int temperature;
    unsigned int power_mw, limit_mw;
    int cc_major, cc_minor;
    unsigned int clocks[3]; /* graphics, SM, memory */
};

static struct fake_gpu gpus[2] = {
    { "NVIDIA H100 80GB HBM3", "GPU-3b0c1f52-6d1e-4a8e-9c33-0123456789ab",
      { 85520809984ull, 85520809984ull - 10737418240ull, 10737418240ull }, { 37, 12 },
      1, 45, 123456, 700000, 9, 0, { 1980, 1755, 2619 } },
    { "NVIDIA Fake Accelerator Workstation Edition with a marketing name longer than NVML's 96-byte name buffer",
      "GPU-00000000-1111-2222-3333-444444444444",
      { 25769803776ull, 25769803776ull - 1048576ull, 1048576ull }, { 5, 1 },
      0, 0, 0, 0, 8, 6, { 210, 210, 405 } },
};

/* nvmlInit_v2/nvmlShutdown are reference counted; calls outside them fail as in the real library. Atomic because a
   report and a resource monitor may initialise from different threads. */
static int initialized;

static struct fake_gpu *gpu(nvmlDevice_t device)
{
    return device == &gpus[0] || device == &gpus[1] ? device : 0;
}

static nvmlReturn_t copy_string(const char *value, char *buffer, unsigned int length)
{
    if (!initialized) return NVML_ERROR_UNINITIALIZED;
    if (!buffer) return NVML_ERROR_INVALID_ARGUMENT;
    if (strlen(value) + 1 > length) return NVML_ERROR_INSUFFICIENT_SIZE;
    strcpy(buffer, value);
    return NVML_SUCCESS;
}

#define CHECK(device, out) \
    if (!initialized) return NVML_ERROR_UNINITIALIZED; \
    struct fake_gpu *g = gpu(device); \
    if (!g || !(out)) return NVML_ERROR_INVALID_ARGUMENT;

nvmlReturn_t nvmlInit_v2(void)
{
    __atomic_add_fetch(&initialized, 1, __ATOMIC_SEQ_CST);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlShutdown(void)
{
    int count = __atomic_load_n(&initialized, __ATOMIC_SEQ_CST);
    do {
        if (count == 0) return NVML_ERROR_UNINITIALIZED;
    } while (!__atomic_compare_exchange_n(&initialized, &count, count - 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length) { return copy_string("580.95.05", version, length); }

nvmlReturn_t nvmlSystemGetCudaDriverVersion(int *version)
{
    if (!initialized) return NVML_ERROR_UNINITIALIZED;
    *version = 12040;
    return NVML_SUCCESS;
}

#ifndef OLD_DRIVER
nvmlReturn_t nvmlSystemGetCudaDriverVersion_v2(int *version)
{
    if (!initialized) return NVML_ERROR_UNINITIALIZED;
    *version = 13000;
    return NVML_SUCCESS;
}
#endif

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count)
{
    if (!initialized) return NVML_ERROR_UNINITIALIZED;
    *count = 2;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device)
{
    if (!initialized) return NVML_ERROR_UNINITIALIZED;
    if (index > 1 || !device) return NVML_ERROR_INVALID_ARGUMENT;
    *device = &gpus[index];
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length)
{
    CHECK(device, name);
    return copy_string(g->name, name, length);
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length)
{
    CHECK(device, uuid);
    return copy_string(g->uuid, uuid, length);
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory)
{
    CHECK(device, memory);
    *memory = g->memory;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *utilization)
{
    CHECK(device, utilization);
    *utilization = g->utilization;
    return NVML_SUCCESS;
}

#ifndef OLD_DRIVER
nvmlReturn_t nvmlDeviceGetTemperatureV(nvmlDevice_t device, nvmlTemperature_v1_t *temperature)
{
    CHECK(device, temperature);
    if (temperature->version != nvmlTemperature_v1) return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
    if (temperature->sensorType != 0) return NVML_ERROR_INVALID_ARGUMENT;
    if (!g->has_sensors) return NVML_ERROR_NOT_SUPPORTED;
    temperature->temperature = g->temperature;
    return NVML_SUCCESS;
}
#endif

nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, int sensorType, unsigned int *temperature)
{
    CHECK(device, temperature);
#ifdef OLD_DRIVER
    if (sensorType != 0) return NVML_ERROR_INVALID_ARGUMENT;
    if (!g->has_sensors) return NVML_ERROR_NOT_SUPPORTED;
    *temperature = (unsigned int)g->temperature;
    return NVML_SUCCESS;
#else
    /* Where the V variant exists only it works, so a reading proves the caller preferred it. */
    (void)g;
    (void)sensorType;
    return NVML_ERROR_DEPRECATED;
#endif
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *milliwatts)
{
    CHECK(device, milliwatts);
    if (!g->has_sensors) return NVML_ERROR_NOT_SUPPORTED;
    *milliwatts = g->power_mw;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t device, unsigned int *milliwatts)
{
    CHECK(device, milliwatts);
    if (!g->has_sensors) return NVML_ERROR_NOT_SUPPORTED;
    *milliwatts = g->limit_mw;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetCudaComputeCapability(nvmlDevice_t device, int *major, int *minor)
{
    CHECK(device, major && minor);
    *major = g->cc_major;
    *minor = g->cc_minor;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t device, int type, unsigned int *clock)
{
    CHECK(device, clock);
    if (type < 0 || type > 2) return NVML_ERROR_INVALID_ARGUMENT;
    *clock = g->clocks[type];
    return NVML_SUCCESS;
}
