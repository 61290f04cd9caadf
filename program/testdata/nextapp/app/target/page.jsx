export default function Target() {
  return <p>target</p>;
}
