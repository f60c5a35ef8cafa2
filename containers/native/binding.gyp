{
  "variables": { "cuda%": "0", "cuda_home%": "/usr/local/cuda", "gloo%": "0", "gloo_include%": "/usr/include" },
  "targets": [
    {
      "target_name": "sagemaker_native",
      "sources": ["src/addon.cc", "src/addon_dataset.cc", "src/dataset.cc", "src/cpu_paths.cc", "src/thread_pool.cc", "src/addon_kmeans.cc", "src/addon_linear.cc", "src/addon_rows.cc", "src/kmeans_cpu.cc", "src/kmeans_harness.cc", "src/linear_cpu.cc", "src/linear_update_cpu.cc", "src/linear_eval_cpu.cc", "src/linear_harness.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-ffp-contract=fast", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wextra", "-Werror", "-Wno-psabi"],
      "conditions": [
        ["cuda==1", {
          "defines": ["HAVE_CUDA"],
          "libraries": [
            "<(module_root_dir)/build-cuda/kmeans_cuda.o",
            "<(module_root_dir)/build-cuda/linear_cuda.o",
            "<(module_root_dir)/build-cuda/cuda_devices.o",
            "<(module_root_dir)/build-cuda/cuda_dataset.o",
            "-L<(cuda_home)/lib64", "-lcudart_static", "-ldl", "-lrt", "-lpthread"
          ]
        }]
      ]
    },
    {
      "target_name": "sagemaker_collective",
      "conditions": [
        ["gloo==1", {
          "sources": ["src/collective.cc"],
          "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "<(gloo_include)"],
          "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
          "cflags!": ["-fno-exceptions"],
          "cflags_cc!": ["-fno-exceptions"],
          "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter"],
          "libraries": ["-lgloo"]
        }, {
          "type": "none"
        }]
      ]
    }
  ]
}
