/**
 * The framework a model to compile with SageMaker Neo was saved with, and its version.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/neo-supported-cloud.html
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/neo-supported-devices-edge-frameworks.html
 */
export class NeoFramework {
  /** An XGBoost model file (`.model`, at most 2^31 nodes a tree), XGBoost 1.3 or earlier. No input shapes. */
  public static xgboost(version: string = '1.3'): NeoFramework {
    return new NeoFramework('XGBOOST', version, false);
  }

  /**
   * A PyTorch model definition (`.pt` or `.pth`, float32 inputs).
   *
   * @param version the PyTorch version the model was saved with: for cloud instances 1.4, 1.5, 1.6,
   * 1.7, 1.8, 1.12, 1.13 or 2.0
   */
  public static pytorch(version: string): NeoFramework {
    return new NeoFramework('PYTORCH', version, true);
  }

  /**
   * A TensorFlow saved model (`.pb` or `.pbtxt` and a variables directory) or frozen graph.
   *
   * @param version for cloud instances 1.15 or 2.9
   */
  public static tensorflow(version: string): NeoFramework {
    return new NeoFramework('TENSORFLOW', version, true);
  }

  /** An MXNet symbol file (`.json`) and parameter file (`.params`), MXNet 1.8 or earlier. */
  public static mxnet(version: string = '1.8'): NeoFramework {
    return new NeoFramework('MXNET', version, true);
  }

  /** An ONNX model file (`.onnx`), ONNX 1.7 or earlier. */
  public static onnx(version: string = '1.7'): NeoFramework {
    return new NeoFramework('ONNX', version, true);
  }

  /** A Keras model definition (`.h5`), Keras 2.2 or earlier. */
  public static keras(version: string = '2.2'): NeoFramework {
    return new NeoFramework('KERAS', version, true);
  }

  /** A TensorFlow Lite flatbuffer (`.tflite`), 1.15 or earlier: edge devices and platforms only. */
  public static tflite(version: string = '1.15'): NeoFramework {
    return new NeoFramework('TFLITE', version, true);
  }

  /** A Darknet configuration (`.cfg`) and weights (`.weights`): edge devices and platforms only. */
  public static darknet(): NeoFramework {
    return new NeoFramework('DARKNET', undefined, true);
  }

  private constructor(
    /** The framework as CreateCompilationJob names it, e.g. `PYTORCH`. */
    public readonly name: string,
    /** The framework version the model was saved with, when the framework has one. */
    public readonly version: string | undefined,
    /** Whether Neo needs the model's input shapes (`DataInputConfig`) for this framework. */
    public readonly needsInputShapes: boolean,
  ) {}
}
