//! Acceptance: every device extension softvk lists (promoted names included) carries the spec
//! version of the registry, and every properties and features structure it (or core 1.1-1.3)
//! defines is filled through the pNext chain of vkGetPhysicalDeviceProperties2 /
//! vkGetPhysicalDeviceFeatures2. Its commands resolve: tests/tests/completeness.rs creates a
//! device with every listed extension enabled and resolves each one's commands.
//!
//! "Filled" is checked without trusting the driver: each structure is queried twice, pre-filled
//! with two different byte patterns; a member the driver did not write keeps the pattern and
//! the two answers differ.

use ash::vk;
use softvk_tests::structs::{features_written, properties_written};
use softvk_tests::{Options, Vk, root};
use std::collections::{BTreeMap, BTreeSet};

type Check = fn(&ash::Instance, vk::PhysicalDevice) -> (String, String);

macro_rules! structs {
    (features: $($f:ident),* ; properties: $($p:ident),* $(,)?) => {
        &[
            $((concat!("Vk", stringify!($f)), features_written::<vk::$f<'static>> as Check),)*
            $((concat!("Vk", stringify!($p)), properties_written::<vk::$p<'static>> as Check),)*
        ]
    };
}

/// The structures extending VkPhysicalDeviceFeatures2 / VkPhysicalDeviceProperties2 that
/// softvk answers, by their vk.xml names. A structure of a listed extension or of core 1.1-1.3
/// that is missing here fails the test, so a new extension cannot be listed without its
/// structures being checked.
const STRUCTS: &[(&str, Check)] = structs! {
    features:
        PhysicalDevice16BitStorageFeatures,
        PhysicalDevice8BitStorageFeatures,
        PhysicalDeviceBufferDeviceAddressFeatures,
        PhysicalDeviceDescriptorIndexingFeatures,
        PhysicalDeviceDynamicRenderingFeatures,
        PhysicalDeviceHostQueryResetFeatures,
        PhysicalDeviceImageRobustnessFeatures,
        PhysicalDeviceImagelessFramebufferFeatures,
        PhysicalDeviceInlineUniformBlockFeatures,
        PhysicalDeviceMaintenance4Features,
        PhysicalDeviceMultiviewFeatures,
        PhysicalDevicePipelineCreationCacheControlFeatures,
        PhysicalDevicePrivateDataFeatures,
        PhysicalDeviceProtectedMemoryFeatures,
        PhysicalDeviceSamplerYcbcrConversionFeatures,
        PhysicalDeviceScalarBlockLayoutFeatures,
        PhysicalDeviceShaderAtomicFloatFeaturesEXT,
        PhysicalDeviceSeparateDepthStencilLayoutsFeatures,
        PhysicalDeviceShaderAtomicInt64Features,
        PhysicalDeviceShaderImageAtomicInt64FeaturesEXT,
        PhysicalDeviceRobustness2FeaturesEXT,
        PhysicalDeviceExtendedDynamicStateFeaturesEXT,
        PhysicalDeviceExtendedDynamicState2FeaturesEXT,
        PhysicalDeviceIndexTypeUint8FeaturesKHR,
        PhysicalDeviceVertexAttributeDivisorFeaturesKHR,
        PhysicalDeviceShaderDemoteToHelperInvocationFeatures,
        PhysicalDeviceShaderDrawParametersFeatures,
        PhysicalDeviceShaderFloat16Int8Features,
        PhysicalDeviceShaderIntegerDotProductFeatures,
        PhysicalDeviceShaderSubgroupExtendedTypesFeatures,
        PhysicalDeviceShaderTerminateInvocationFeatures,
        PhysicalDeviceSubgroupSizeControlFeatures,
        PhysicalDeviceSynchronization2Features,
        PhysicalDeviceTexelBufferAlignmentFeaturesEXT,
        PhysicalDeviceTextureCompressionASTCHDRFeatures,
        PhysicalDeviceTimelineSemaphoreFeatures,
        PhysicalDeviceUniformBufferStandardLayoutFeatures,
        PhysicalDeviceVariablePointersFeatures,
        PhysicalDeviceVulkan11Features,
        PhysicalDeviceVulkan12Features,
        PhysicalDeviceVulkan13Features,
        PhysicalDeviceVulkanMemoryModelFeatures,
        PhysicalDeviceZeroInitializeWorkgroupMemoryFeatures;
    properties:
        PhysicalDeviceDepthStencilResolveProperties,
        PhysicalDeviceDescriptorIndexingProperties,
        PhysicalDeviceDriverProperties,
        PhysicalDeviceExternalMemoryHostPropertiesEXT,
        PhysicalDeviceFloatControlsProperties,
        PhysicalDeviceIDProperties,
        PhysicalDeviceInlineUniformBlockProperties,
        PhysicalDeviceMaintenance3Properties,
        PhysicalDeviceMaintenance4Properties,
        PhysicalDeviceMultiviewProperties,
        PhysicalDevicePointClippingProperties,
        PhysicalDeviceProtectedMemoryProperties,
        PhysicalDevicePushDescriptorPropertiesKHR,
        PhysicalDeviceRobustness2PropertiesEXT,
        PhysicalDeviceVertexAttributeDivisorPropertiesEXT,
        PhysicalDeviceSamplerFilterMinmaxProperties,
        PhysicalDeviceShaderIntegerDotProductProperties,
        PhysicalDeviceSubgroupProperties,
        PhysicalDeviceSubgroupSizeControlProperties,
        PhysicalDeviceTexelBufferAlignmentProperties,
        PhysicalDeviceTimelineSemaphoreProperties,
        PhysicalDeviceVulkan11Properties,
        PhysicalDeviceVulkan12Properties,
        PhysicalDeviceVulkan13Properties,
};

struct Registry {
    /// Extension name -> spec version.
    versions: BTreeMap<String, u32>,
    /// Extension name -> the Features2/Properties2 structures it requires.
    ext_structs: BTreeMap<String, BTreeSet<String>>,
    /// The structures core 1.1-1.3 define.
    core_structs: BTreeSet<String>,
}

fn registry() -> Registry {
    let xml = std::fs::read_to_string(root().join("icd/registry/vk.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let vulkan = |n: roxmltree::Node| {
        n.attribute("api")
            .is_none_or(|a| a.split(',').any(|x| x == "vulkan"))
    };
    let mut extends = BTreeMap::new();
    for t in doc.descendants().filter(|n| n.has_tag_name("type")) {
        if let (Some(name), Some(se)) = (t.attribute("name"), t.attribute("structextends"))
            && (se.contains("VkPhysicalDeviceFeatures2")
                || se.contains("VkPhysicalDeviceProperties2"))
        {
            extends.insert(name.to_string(), ());
        }
    }
    let structs_of = |n: roxmltree::Node| -> BTreeSet<String> {
        n.children()
            .filter(|r| r.has_tag_name("require") && vulkan(*r))
            .flat_map(|r| r.children().filter(|t| t.has_tag_name("type")))
            .filter_map(|t| t.attribute("name"))
            .filter(|name| extends.contains_key(*name))
            .map(str::to_string)
            .collect()
    };
    let mut core_structs = BTreeSet::new();
    for f in doc
        .descendants()
        .filter(|n| n.has_tag_name("feature") && vulkan(*n))
    {
        let minor = f
            .attribute("name")
            .and_then(|n| n.strip_prefix("VK_VERSION_1_"))
            .and_then(|m| m.parse::<u32>().ok());
        if minor.is_some_and(|m| m <= 3) {
            core_structs.extend(structs_of(f));
        }
    }
    let mut versions = BTreeMap::new();
    let mut ext_structs = BTreeMap::new();
    for e in doc.descendants().filter(|n| n.has_tag_name("extension")) {
        let name = e.attribute("name").unwrap().to_string();
        let version = e
            .descendants()
            .filter(|n| n.has_tag_name("enum"))
            .find(|n| {
                n.attribute("name")
                    .is_some_and(|v| v.ends_with("_SPEC_VERSION"))
            })
            .and_then(|n| n.attribute("value"))
            .and_then(|v| v.parse().ok());
        if let Some(v) = version {
            versions.insert(name.clone(), v);
        }
        ext_structs.insert(name, structs_of(e));
    }
    Registry {
        versions,
        ext_structs,
        core_structs,
    }
}

/// Programs written against older versions ask for these by name (the list); each must
/// be listed with the registry's spec version.
#[test]
fn promoted_extension_names_are_listed_with_registry_versions() {
    let vk = Vk::with(Options {
        validation: false,
        ..Options::default()
    });
    let listed = vk.device_extensions();
    let reg = registry();
    for name in [
        "VK_KHR_timeline_semaphore",
        "VK_KHR_synchronization2",
        "VK_KHR_dynamic_rendering",
        "VK_KHR_create_renderpass2",
        "VK_KHR_maintenance1",
        "VK_KHR_maintenance2",
        "VK_KHR_maintenance3",
        "VK_KHR_maintenance4",
        "VK_KHR_multiview",
        "VK_KHR_copy_commands2",
        "VK_KHR_depth_stencil_resolve",
        "VK_KHR_driver_properties",
        "VK_KHR_imageless_framebuffer",
        "VK_KHR_bind_memory2",
        "VK_KHR_format_feature_flags2",
        "VK_EXT_host_query_reset",
        "VK_EXT_private_data",
        "VK_EXT_subgroup_size_control",
    ] {
        assert!(listed.contains_key(name), "{name} is not listed");
    }
    for (name, version) in &listed {
        assert_eq!(
            Some(version),
            reg.versions.get(name),
            "{name}: spec version differs from the registry"
        );
    }
    println!("{} device extensions listed", listed.len());
}

/// Every Features2/Properties2 structure of every listed extension and of core 1.1-1.3 is
/// written whole by the driver.
#[test]
fn every_structure_of_every_listed_extension_is_filled() {
    let vk = Vk::with(Options {
        validation: false,
        ..Options::default()
    });
    let listed = vk.device_extensions();
    let reg = registry();
    let mut wanted = reg.core_structs.clone();
    for e in listed.keys() {
        wanted.extend(reg.ext_structs.get(e).cloned().unwrap_or_default());
    }
    let mut unfilled = vec![];
    for name in &wanted {
        let Some((_, check)) = STRUCTS.iter().find(|(n, _)| n == name) else {
            panic!("{name} (of a listed extension or core) is not in this test's table");
        };
        let (a, b) = check(&vk.instance, vk.physical);
        if a != b {
            unfilled.push(format!("{name}:\n  {a}\n  {b}"));
        }
    }
    assert!(
        unfilled.is_empty(),
        "members left unwritten (they keep the pre-filled pattern):\n{}",
        unfilled.join("\n")
    );
    println!("{} structures checked", wanted.len());
}
