"""PyTorch's public names that ndgrad does not have, each under the reason why.

``tests/test_api_coverage.py`` compares ``dir()`` of PyTorch's main namespaces with ndgrad's and
fails when ndgrad lacks a name that is not listed here, or when a listed name now exists (delete
it from the list then): so this file stays an honest account. The README's "Where ndgrad differs
from PyTorch" summarises the deliberate groups.

A group is a reason (the keys of ``REASONS``); ``DELIBERATE`` says which reasons are choices and
which are gaps still to fill.
"""

from __future__ import annotations

REASONS = {
    "python": "Python modules and typing helpers that PyTorch's namespace happens to import",
    "internal": "PyTorch's implementation entry points: aten kernels (cudnn_*, miopen_*, native_*, "
    "*_copy functionalization variants), dispatch helpers, documentation strings, build flags",
    "compiler": "TorchScript, torch.compile / fx / export / func, symbolic shapes, the C++ JIT "
    "types, futures and the profiler's C++ internals: ndgrad is eager Python on NumPy",
    "dtype": "bit, float8, 1- to 7-bit and unsigned 16-64-bit dtypes: ndgrad's dtypes are NumPy's "
    "bool, uint8, int8-64 and float16-64",
    "complex": "complex numbers: ndgrad has no complex tensors",
    "quant": "quantization (qint8 tensors, fake-quantize, fbgemm): not in ndgrad's scope",
    "sparse": "sparse layouts other than COO (CSR, CSC, BSR, BSC) and their kernels",
    "storage": "typed and untyped storages: a tensor's memory is a NumPy/CuPy array (t.array)",
    "layout": "strides and memory formats (channels_last, as_strided): ndgrad's layout is NumPy's",
    "devices": "devices other than CPU and CUDA (XPU, MPS, MTIA, IPU, XLA, Vulkan), streams, "
    "events",
    "distributed": "torch.distributed (see the distributed extra and nn.parallel)",
    "datapipes": "the deprecated DataPipes of torch.utils.data",
    "lazy": "Lazy* modules with UninitializedParameter (shape inferred on first call)",
    "deprecated": "functions PyTorch deprecated or removed in favour of torch.linalg and others",
    "functional_alias": "top-level copies of nn.functional ops (aten entry points, some with other "
    "signatures, e.g. torch.dropout(input, p, train)): use nn.functional",
    "inplace_toplevel": "in-place ops as top-level functions (torch.acos_(x)): use the Tensor "
    "method",
    "amp": "autocast's global state (get/set_autocast_*): ndgrad has no mixed precision, its "
    "autocast passes through",
    "sparse_methods": "methods of sparse tensors (indices, values, coalesce...): they are on "
    "ndgrad.sparse's SparseTensor, not on dense tensors",
    "not_yet_inplace": "in-place Tensor methods not written yet (the out-of-place op exists): gaps",
    "not_yet": "not written yet: gaps",
}

DELIBERATE = {
    "python",
    "internal",
    "compiler",
    "dtype",
    "complex",
    "quant",
    "sparse",
    "sparse_methods",
    "storage",
    "layout",
    "devices",
    "distributed",
    "datapipes",
    "deprecated",
    "functional_alias",
    "inplace_toplevel",
    "amp",
}

# namespace -> reason -> names (whitespace-separated)
OMISSIONS: dict[str, dict[str, str]] = {
    "torch": {
        "python": """
            TYPE_CHECKING builtins ctypes functools glob importlib inspect math os platform sys
            textwrap threading torch warnings
        """,
        "internal": """
            AVG AggregationType FatalError PRIVATE_OPS SUM USE_GLOBAL_DEPS
            USE_RTLD_GLOBAL_WITH_LIBTORCH affine_grid_generator alias_copy batch_norm_backward_elemt
            batch_norm_backward_reduce batch_norm_elemt batch_norm_gather_stats
            batch_norm_gather_stats_with_counts batch_norm_stats batch_norm_update_stats
            classproperty compiled_with_cxx11_abi constant_pad_nd conv_tbc convolution
            cudnn_affine_grid_generator cudnn_batch_norm cudnn_convolution
            cudnn_convolution_add_relu cudnn_convolution_relu cudnn_convolution_transpose
            cudnn_grid_sampler cudnn_is_acceptable detach_copy diagonal_copy embedding_renorm_
            expand_copy frobenius_norm get_file_path grid_sampler grid_sampler_2d grid_sampler_3d
            gru gru_cell has_lapack has_mkl has_openmp has_spectral hash_tensor indices_copy
            init_num_threads lstm lstm_cell miopen_batch_norm miopen_convolution
            miopen_convolution_add_relu miopen_convolution_relu miopen_convolution_transpose
            miopen_ctc_loss miopen_depthwise_convolution miopen_rnn mkldnn_adaptive_avg_pool2d
            mkldnn_convolution mkldnn_linear_backward_weights mkldnn_max_pool2d mkldnn_max_pool3d
            mkldnn_rnn_layer native_batch_norm native_channel_shuffle native_dropout
            native_group_norm native_layer_norm native_norm norm_except_dim nuclear_norm overrides
            permute_copy return_types rnn_relu rnn_relu_cell rnn_tanh rnn_tanh_cell segment_reduce
            select_copy slice_copy slice_inverse split_copy split_with_sizes_copy squeeze_copy
            t_copy thread_safe_generator torch_version transpose_copy unbind_copy unfold_copy
            unsafe_chunk unsafe_split unsafe_split_with_sizes unsqueeze_copy values_copy version
            view_copy
        """,
        "compiler": """
            AliasDb AnyType Argument ArgumentSpec AwaitType BenchmarkConfig BenchmarkExecutionStats
            Block BoolType BufferDict CallStack Capsule ClassType Code CompilationUnit
            CompleteArgumentSpec ComplexType ConcreteModuleType ConcreteModuleTypeBuilder
            DeepCopyMemoTable DeviceObjType DictType DisableTorchFunction
            DisableTorchFunctionSubclass DispatchKey DispatchKeySet EnumType ErrorReport
            ExcludeDispatchKeyGuard ExecutionPlan FileCheck FloatType FunctionSchema Future
            FutureType GradScaler Gradient Graph GraphExecutorState IODescriptor InferredType
            IntType InterfaceType JITException ListType LiteScriptModule LockingLogger LoggerBase
            ModuleDict Node NoneType NoopLogger NumberType OperatorInfo OptionalType ParameterDict
            PyObjectType PyTorchFileReader PyTorchFileWriter RRefType ScriptClass
            ScriptClassFunction ScriptDict ScriptDictIterator ScriptDictKeyIterator ScriptFunction
            ScriptList ScriptListIterator ScriptMethod ScriptModule ScriptModuleSerializer
            ScriptObject ScriptObjectProperty StaticModule StringType SymBool SymBoolType SymFloat
            SymInt SymIntType Tag TensorType ThroughputBenchmark TracingState TupleType Type
            UnionType Use Value classes compiler cond cpp export fork func futures fx hub
            import_ir_module import_ir_module_from_buffer is_inference jit library masked
            merge_type_from_type_comment monitor nested package parse_ir parse_schema
            parse_type_comment profiler_allow_cudagraph_cupti_lazy_reinit_cuda12 sym_constrain_range
            sym_constrain_range_for_size sym_float sym_fresh_size sym_int sym_ite sym_max sym_min
            sym_not sym_sqrt sym_sum unify_type_list vmap wait while_loop
        """,
        "dtype": """
            BFloat16Tensor bit bits16 bits1x8 bits2x4 bits4x2 bits8 float4_e2m1fn_x2 float8_e4m3fn
            float8_e4m3fnuz float8_e5m2 float8_e5m2fnuz float8_e8m0fnu int1 int2 int3 int4 int5 int6
            int7 uint1 uint16 uint2 uint3 uint32 uint4 uint5 uint6 uint64 uint7
        """,
        "complex": """
            angle cdouble cfloat chalf complex complex128 complex32 complex64 conj conj_physical
            conj_physical_ imag is_conj is_neg isreal polar real resolve_conj resolve_neg
            view_as_complex view_as_complex_copy view_as_real view_as_real_copy
        """,
        "quant": """
            ao choose_qparams_optimized dequantize empty_quantized fake_quantize_per_channel_affine
            fake_quantize_per_tensor_affine fbgemm_linear_fp16_weight
            fbgemm_linear_fp16_weight_fp32_activation fbgemm_linear_int8_weight
            fbgemm_linear_int8_weight_fp32_activation fbgemm_linear_quantize_weight
            fbgemm_pack_gemm_matrix_fp16 fbgemm_pack_quantized_matrix
            fused_moving_avg_obs_fake_quant int_repr per_channel_affine
            per_channel_affine_float_qparams per_channel_symmetric per_tensor_affine
            per_tensor_symmetric q_per_channel_axis q_per_channel_scales q_per_channel_zero_points
            q_scale q_zero_point qint32 qint8 qscheme quantization quantize_per_channel
            quantize_per_tensor quantize_per_tensor_dynamic quantized_batch_norm quantized_gru
            quantized_gru_cell quantized_lstm quantized_lstm_cell quantized_max_pool1d
            quantized_max_pool2d quantized_max_pool3d quantized_rnn_relu_cell
            quantized_rnn_tanh_cell quint2x4 quint4x2 quint8
        """,
        "sparse": """
            ccol_indices_copy col_indices_copy crow_indices_copy dsmm hsmm hspmm resize_as_sparse_
            row_indices_copy saddmm smm sparse_bsc sparse_bsc_tensor sparse_bsr sparse_bsr_tensor
            sparse_compressed_tensor sparse_coo sparse_csc sparse_csc_tensor sparse_csr
            sparse_csr_tensor sspaddmm
        """,
        "storage": """
            BFloat16Storage BoolStorage ByteStorage CharStorage ComplexDoubleStorage
            ComplexFloatStorage DeserializationStorageContext DoubleStorage FloatStorage HalfStorage
            IntStorage LongStorage QInt32Storage QInt8Storage QUInt2x4Storage QUInt4x2Storage
            QUInt8Storage SerializationStorageContext ShortStorage Storage StorageBase TypedStorage
            UntypedStorage from_file is_storage storage
        """,
        "layout": """
            as_strided as_strided_ as_strided_copy as_strided_scatter channels_last channels_last_3d
            contiguous_format empty_permuted empty_strided jagged layout legacy_contiguous_format
            memory_format preserve_format strided
        """,
        "devices": """
            AcceleratorError Event OutOfMemoryError Stream StreamObjType get_device_module
            is_vulkan_available mps mtia xpu
        """,
        "distributed": """
            distributed is_distributed prepare_multiprocessing_environment
        """,
        "deprecated": """
            chain_matmul eig lstsq lu lu_solve matrix_rank pinverse set_default_tensor_type solve
            symeig trapz triangular_solve
        """,
        "functional_alias": """
            adaptive_avg_pool1d adaptive_max_pool1d alpha_dropout avg_pool1d batch_norm bilinear
            binary_cross_entropy_with_logits celu celu_ channel_shuffle conv1d conv2d conv3d
            conv_transpose1d conv_transpose2d conv_transpose3d cosine_embedding_loss ctc_loss
            dropout embedding embedding_bag feature_alpha_dropout group_norm hardshrink
            hinge_embedding_loss instance_norm kl_div layer_norm margin_ranking_loss max_pool1d
            max_pool1d_with_indices max_pool2d max_pool3d pixel_shuffle pixel_unshuffle
            poisson_nll_loss prelu rms_norm rrelu rrelu_ selu selu_ threshold threshold_
            triplet_margin_loss
        """,
        "inplace_toplevel": """
            acos_ acosh_ addmv_ alpha_dropout_ arccos_ arccosh_ arcsin_ arcsinh_ arctan_ arctanh_
            asin_ asinh_ atan_ atanh_ clamp_max_ clamp_min_ clip_ cos_ cosh_ deg2rad_ detach_
            dropout_ erf_ erfc_ exp2_ expm1_ feature_alpha_dropout_ feature_dropout_ fix_ frac_ gcd_
            i0_ lcm_ ldexp_ log10_ log1p_ log2_ logit_ negative_ rad2deg_ resize_as_ rsqrt_ sinc_
            sinh_ tan_ xlogy_
        """,
        "amp": """
            autocast_decrement_nesting autocast_increment_nesting clear_autocast_cache
            get_autocast_cpu_dtype get_autocast_dtype get_autocast_gpu_dtype get_autocast_ipu_dtype
            get_autocast_xla_dtype is_autocast_cache_enabled is_autocast_cpu_enabled
            is_autocast_enabled is_autocast_ipu_enabled is_autocast_xla_enabled
            set_autocast_cache_enabled set_autocast_cpu_dtype set_autocast_cpu_enabled
            set_autocast_dtype set_autocast_enabled set_autocast_gpu_dtype set_autocast_ipu_dtype
            set_autocast_ipu_enabled set_autocast_xla_dtype set_autocast_xla_enabled
        """,
        "not_yet": """
            acosh addbmm arccosh arcsinh arctanh asinh atanh bartlett_window binomial
            bitwise_left_shift bitwise_right_shift blackman_window broadcast_shapes cholesky
            cholesky_inverse cholesky_solve combinations cpu cumulative_trapezoid detach
            diagonal_scatter digamma erfinv feature_dropout fft fill frexp from_dlpack frombuffer
            functional geqrf get_default_device get_deterministic_debug_mode get_device
            get_num_interop_threads gradient hamming_window hann_window histogramdd i0 igamma
            igammac index_reduce is_anomaly_check_nan_enabled is_anomaly_enabled
            is_deterministic_algorithms_warn_only_enabled is_signed is_warn_always_enabled istft
            kaiser_window ldexp lgamma lobpcg lu_unpack matrix_exp matrix_power mvlgamma nanmedian
            nextafter nonzero_static orgqr ormqr pca_lowrank poisson polygamma put qr quasirandom
            random renorm scatter_reduce select_scatter set_anomaly_enabled set_default_device
            set_deterministic_debug_mode set_flush_denormal set_num_interop_threads set_warn_always
            signal slice_scatter special split_with_sizes stft svd svd_lowrank to_dlpack typename
            types vander windows
        """,
    },
    "torch.nn": {
        "internal": """
            common_types factory_kwargs
        """,
        "quant": """
            intrinsic qat quantizable quantized
        """,
        "lazy": """
            LazyBatchNorm1d LazyBatchNorm2d LazyBatchNorm3d LazyConv1d LazyConv2d LazyConv3d
            LazyConvTranspose1d LazyConvTranspose2d LazyConvTranspose3d LazyInstanceNorm1d
            LazyInstanceNorm2d LazyInstanceNorm3d LazyLinear UninitializedBuffer
            UninitializedParameter
        """,
        "deprecated": """
            Container NLLLoss2d
        """,
        "not_yet": """
            AdaptiveLogSoftmaxWithLoss ChannelShuffle CircularPad1d CircularPad2d CircularPad3d
            ConstantPad3d CrossMapLRN2d EmbeddingBag FractionalMaxPool2d FractionalMaxPool3d
            LPPool1d LPPool2d LPPool3d LinearCrossEntropyLoss LinearCrossEntropyOptions MaxUnpool1d
            MaxUnpool2d MaxUnpool3d ReflectionPad3d ReplicationPad3d ZeroPad3d attention grad
        """,
    },
    "torch.nn.functional": {
        "python": """
            Callable DType Optional TYPE_CHECKING Tensor dataclasses importlib math np torch
            warnings
        """,
        "internal": """
            BroadcastingList1 BroadcastingList2 BroadcastingList3 GRID_SAMPLE_INTERPOLATION_MODES
            GRID_SAMPLE_PADDING_MODES assert_int_or_pair boolean_dispatch conv_tbc
            handle_torch_function has_torch_function has_torch_function_unary
            has_torch_function_variadic native_channel_shuffle reproducibility_notes tf32_notes
        """,
        "compiler": """
            ScalingType SwizzleType
        """,
        "sparse": """
            sparse_support_notes
        """,
        "deprecated": """
            upsample_bilinear upsample_nearest
        """,
        "not_yet": """
            adaptive_max_pool1d_with_indices adaptive_max_pool2d_with_indices
            adaptive_max_pool3d_with_indices affine_grid channel_shuffle embedding_bag
            fractional_max_pool2d fractional_max_pool2d_with_indices fractional_max_pool3d
            fractional_max_pool3d_with_indices grad grid_sample grouped_mm linear_cross_entropy
            lp_pool1d lp_pool2d lp_pool3d max_pool1d_with_indices max_pool2d_with_indices
            max_pool3d_with_indices max_unpool1d max_unpool2d max_unpool3d
            multi_head_attention_forward scaled_grouped_mm scaled_mm
        """,
    },
    "torch.Tensor": {
        "internal": """
            grad_dtype hash_tensor output_nr slice_inverse unsafe_chunk unsafe_split
            unsafe_split_with_sizes
        """,
        "compiler": """
            as_subclass is_inference module_load to_padded_tensor
        """,
        "complex": """
            H angle cdouble cfloat chalf conj conj_physical conj_physical_ imag is_conj is_neg
            isreal mH real resolve_conj resolve_neg sgn sgn_
        """,
        "quant": """
            dequantize int_repr q_per_channel_axis q_per_channel_scales q_per_channel_zero_points
            q_scale q_zero_point qscheme
        """,
        "sparse": """
            ccol_indices col_indices crow_indices is_sparse_csr resize_as_sparse_ row_indices smm
            sparse_mask sparse_resize_ sparse_resize_and_clear_ sspaddmm to_sparse_bsc to_sparse_bsr
            to_sparse_csc to_sparse_csr
        """,
        "storage": """
            set_ storage storage_offset storage_type untyped_storage
        """,
        "layout": """
            as_strided as_strided_ as_strided_scatter dim_order layout new_empty_strided
        """,
        "devices": """
            ipu is_ipu is_maia is_mtia is_vulkan is_xla mtia record_stream to_mkldnn xpu
        """,
        "distributed": """
            is_distributed is_shared
        """,
        "deprecated": """
            eig ger lstsq lu lu_solve pinverse reinforce resize_as solve symeig triangular_solve
            volatile
        """,
        "not_yet": """
            acosh addbmm arccosh arcsinh arctanh asinh atanh bfloat16 bitwise_left_shift
            bitwise_right_shift cholesky cholesky_inverse cholesky_solve const_data_ptr
            diagonal_scatter digamma erfinv frexp geqrf hardshrink histogram i0 igamma igammac index
            index_reduce is_set_to istft ldexp lgamma matrix_exp matrix_power mvlgamma nanmedian
            nextafter nonzero_static orgqr ormqr polygamma prelu qr renorm scatter_reduce
            select_scatter slice_scatter split_with_sizes stft svd
        """,
        "sparse_methods": """
            coalesce dense_dim indices is_coalesced sparse_dim values
        """,
        "not_yet_inplace": """
            acosh_ addbmm_ apply_ arccosh_ arcsinh_ arctanh_ asinh_ atanh_ bitwise_left_shift_
            bitwise_right_shift_ cauchy_ digamma_ erfinv_ exponential_ geometric_ i0_ igamma_
            igammac_ index_reduce_ ldexp_ lgamma_ log_normal_ map2_ map_ mvlgamma_ nextafter_
            polygamma_ random_ renorm_ scatter_reduce_ squeeze_ swapaxes_ swapdims_ t_ transpose_
            unsqueeze_
        """,
    },
    "torch.optim": {
        "not_yet": """
            ASGD Adafactor Muon Rprop SparseAdam swap_in_optimizer_params_and_state
        """,
    },
    "torch.optim.lr_scheduler": {
        "python": """
            Literal Self SupportsFloat TYPE_CHECKING TypedDict cast inf override partial ref
            warnings wraps
        """,
        "internal": """
            EPOCH_DEPRECATION_WARNING
        """,
    },
    "torch.utils.data": {
        "compiler": """
            graph
        """,
        "datapipes": """
            DFIterDataPipe DataChunk IterDataPipe MapDataPipe argument_validation datapipes
            functional_datapipe graph_settings guaranteed_datapipes_determinism non_deterministic
            runtime_validation runtime_validation_disabled
        """,
        "not_yet": """
            StackDataset
        """,
    },
    "torch.autograd": {
        "python": """
            Mapping Sequence cast overload torch warnings
        """,
        "internal": """
            enforce_grad_layout_policy handle_torch_function has_torch_function is_tensor_like
            is_view_replay_enabled
        """,
        "compiler": """
            DeviceType NestedIOFunction ProfilerActivity ProfilerConfig ProfilerEvent ProfilerState
            SavedTensor forward_ad graph is_multithreading_enabled kineto_available profiler_legacy
            profiler_util set_multithreading_enabled
        """,
        "not_yet": """
            anomaly_mode variable
        """,
    },
    "torch.linalg": {
        "internal": """
            common_notes
        """,
        "not_yet": """
            LinAlgError cholesky cholesky_ex cond diagonal eig eigh eigvals eigvalsh
            householder_product inv_ex ldl_factor ldl_factor_ex ldl_solve lstsq lu lu_factor
            lu_factor_ex lu_solve matrix_exp matrix_power matrix_rank multi_dot pinv qr solve_ex
            solve_triangular svd tensorinv tensorsolve vander vecdot
        """,
    },
}
