// Nothing fetched at build time and no telemetry: the test builds offline.
/** @type {import('next').NextConfig} */
const nextConfig = {};
export default nextConfig;
