export const dynamic = "force-dynamic";

export default async function ActionDone({ searchParams }) {
  const { echo } = await searchParams;
  return <p id="echo">{`echo=${echo}`}</p>;
}
